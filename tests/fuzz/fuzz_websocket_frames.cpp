#include <cstdio>
#include <cstdlib>

#include "fuzz_checks.h"

// A tunnel's bytes in one direction, as the WebSocket frame meter sees them.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const std::string violation = ToolCapture::FuzzChecks::checkWebSocketFrameMeter(data, size);
    if (!violation.empty()) {
        std::fprintf(stderr, "websocket frame meter invariant violated: %s\n", violation.c_str());
        std::abort();
    }
    return 0;
}

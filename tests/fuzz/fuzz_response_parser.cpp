#include <cstdio>
#include <cstdlib>

#include "fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const std::string violation = ToolCapture::FuzzChecks::checkResponseParser(data, size);
    if (!violation.empty()) {
        std::fprintf(stderr, "response parser invariant violated: %s\n", violation.c_str());
        std::abort();
    }
    return 0;
}

#pragma once

#include <cstdint>

namespace ToolCapture {

// The capture store's state at one moment, as the writer or a reader sees it.
struct CaptureStoreStats {
    std::int64_t records = 0;
    std::int64_t bytes = 0;     // stored record sizes together: what the byte cap limits
    std::int64_t oldestId = 0;  // 0 when empty
    std::int64_t newestId = 0;  // 0 when empty
    std::int64_t dropped = 0;   // records removed (or never kept) because of the caps, ever
    std::int64_t fileBytes = 0; // the database file and its write-ahead log on disk
};

} // namespace ToolCapture

#pragma once

#include <span>

namespace ToolCapture {

class CandidateFilter;

// What the caller knows about one request beyond the instances' statistics: where earlier
// attempts failed, and which candidates are available. Borrowed for the call only.
struct SelectionContext {
    // UpstreamInstance::index() of instances an earlier attempt failed on: a retry goes
    // elsewhere when any other instance can take it, and back there only when none can.
    std::span<const int> avoid;
    // Availability and slow-start weight per candidate; nullptr: every candidate is available.
    const CandidateFilter *filter = nullptr;
};

} // namespace ToolCapture

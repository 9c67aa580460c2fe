#pragma once

#include <backend/capture/capture_record.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace ToolCapture {

// Hands finished exchanges from the proxy workers to the capture thread. One lane per worker,
// each a vector behind its own mutex: a push is one uncontended lock and a move, and the
// consumer takes a whole lane with one swap, so workers never wait on each other or on the
// capture thread's storage and publishing. Bounded: when a lane is full (the capture thread is
// not keeping up), the record is dropped and counted rather than letting memory grow.
class CaptureQueue {
public:
    // capacity: records waiting, all lanes together.
    CaptureQueue(int lanes, int capacity);
    CaptureQueue(const CaptureQueue &) = delete;
    CaptureQueue &operator=(const CaptureQueue &) = delete;

    int lanes() const noexcept { return int(m_lanes.size()); }
    // From the lane's worker. False when the lane was full and the record was dropped.
    bool push(int lane, CaptureRecord &&record);
    // From the consumer: appends every waiting record, lane by lane (each lane in order).
    void drain(std::vector<CaptureRecord> &out);

    // Records go round: the consumer gives back the ones it is done with, emptied by
    // CaptureRecord::clearForReuse(), and each worker fills them again. Their buffers stay
    // allocated, so a worker fills a record without allocating, and the parser's own buffers,
    // which a record copies instead of sharing, are not reallocated for the next request.
    // Without that, every buffer a worker allocated was freed by the capture thread.
    //
    // From the consumer: hands `records` whole to the lane with the fewest records waiting
    // (up to kRecycledPerLane waiting in each; a set that does not fit is destroyed). The
    // vector goes as it is, so no record is moved: moving them one by one (~30 members each)
    // was a tenth of the capture thread. `records` is left empty, with the capacity of a
    // vector a worker emptied when there is one.
    void giveBack(std::vector<CaptureRecord> &records);
    // From the lane's worker: replaces `record` (moved from, or a dropped one) with a
    // given-back record, or a new one when none is back. Takes the lane's lock once per
    // given-back set, not once per record.
    void takeRecycled(int lane, CaptureRecord &record);
    static constexpr std::size_t kRecycledPerLane = 2048;
    static constexpr std::size_t kEmptiedPerLane = 4;

    std::uint64_t pushed() const noexcept { return m_pushed.load(std::memory_order_relaxed); }
    std::uint64_t dropped() const noexcept { return m_dropped.load(std::memory_order_relaxed); }

private:
    struct alignas(64) Lane {
        std::mutex mutex;
        std::vector<CaptureRecord> records;
        std::vector<CaptureRecord> spare; // swapped in on drain, so capacity is reused
        // Sets given back, not yet taken by the worker, and how many records they hold.
        std::vector<std::vector<CaptureRecord>> returned;
        std::size_t returnedRecords = 0;
        // Vectors the worker emptied, kept for their capacity: the consumer's next batch.
        std::vector<std::vector<CaptureRecord>> emptied;
        // The worker's own: a set taken from `returned` at once, then used one by one without
        // a lock.
        alignas(64) std::vector<CaptureRecord> recycled;
    };

    std::vector<std::unique_ptr<Lane>> m_lanes;
    size_t m_laneCapacity;
    std::atomic<std::uint64_t> m_pushed{0};
    std::atomic<std::uint64_t> m_dropped{0};
};

} // namespace ToolCapture

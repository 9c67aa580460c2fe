#include <backend/capture/capture_queue.h>

#include <algorithm>
#include <iterator>
#include <limits>

namespace ToolCapture {

CaptureQueue::CaptureQueue(int lanes, int capacity)
    : m_laneCapacity(size_t(std::max(1, capacity / std::max(1, lanes)))) {
    m_lanes.reserve(size_t(std::max(1, lanes)));
    for (int i = 0; i < std::max(1, lanes); ++i)
        m_lanes.push_back(std::make_unique<Lane>());
}

bool CaptureQueue::push(int lane, CaptureRecord &&record) {
    Lane &l = *m_lanes[size_t(lane) % m_lanes.size()];
    {
        std::lock_guard lock(l.mutex);
        if (l.records.size() < m_laneCapacity) {
            l.records.push_back(std::move(record));
            m_pushed.fetch_add(1, std::memory_order_relaxed);
            return true;
        }
    }
    m_dropped.fetch_add(1, std::memory_order_relaxed);
    return false;
}

void CaptureQueue::drain(std::vector<CaptureRecord> &out) {
    for (const auto &lane : m_lanes) {
        {
            std::lock_guard lock(lane->mutex);
            if (lane->records.empty())
                continue;
            if (out.empty()) {
                // The whole lane at once: no record is moved (a move is ~30 members).
                out.swap(lane->records);
                continue;
            }
            lane->records.swap(lane->spare);
        }
        // Outside the lock: the worker goes on pushing into the other vector meanwhile.
        out.insert(out.end(), std::make_move_iterator(lane->spare.begin()),
                   std::make_move_iterator(lane->spare.end()));
        lane->spare.clear();
    }
}

void CaptureQueue::giveBack(std::vector<CaptureRecord> &records) {
    if (records.empty())
        return;
    // The lane with the fewest waiting: with one worker that is always the same one; with more,
    // each drain's set goes where records are short, which evens out over drains.
    Lane *target = m_lanes.front().get();
    if (m_lanes.size() > 1) {
        std::size_t fewest = std::numeric_limits<std::size_t>::max();
        for (const auto &lane : m_lanes) {
            const std::lock_guard lock(lane->mutex);
            if (lane->returnedRecords < fewest) {
                fewest = lane->returnedRecords;
                target = lane.get();
            }
        }
    }
    std::vector<CaptureRecord> unwanted; // destroyed outside the lock
    {
        const std::lock_guard lock(target->mutex);
        if (target->returnedRecords + records.size() <= kRecycledPerLane) {
            target->returnedRecords += records.size();
            target->returned.push_back(std::move(records));
        } else {
            unwanted.swap(records);
        }
        records.clear();
        if (!target->emptied.empty()) {
            records.swap(target->emptied.back());
            target->emptied.pop_back();
        }
    }
}

void CaptureQueue::takeRecycled(int lane, CaptureRecord &record) {
    Lane &l = *m_lanes[size_t(lane) % m_lanes.size()];
    if (l.recycled.empty()) {
        const std::lock_guard lock(l.mutex);
        if (!l.returned.empty()) {
            // The emptied vector keeps its capacity for the consumer's next batch; a few are
            // enough, as one goes back for every set taken.
            if (l.recycled.capacity() > 0 && l.emptied.size() < kEmptiedPerLane)
                l.emptied.push_back(std::move(l.recycled));
            l.recycled = std::move(l.returned.back());
            l.returned.pop_back();
            l.returnedRecords -= l.recycled.size();
        }
    }
    if (l.recycled.empty()) {
        record = CaptureRecord();
        return;
    }
    record = std::move(l.recycled.back());
    l.recycled.pop_back();
}

} // namespace ToolCapture

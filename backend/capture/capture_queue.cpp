#include <backend/capture/capture_queue.h>

#include <algorithm>
#include <iterator>

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
    const size_t lanes = m_lanes.size();
    if (lanes == 1) {
        // One worker: the whole vector, swapped in when the lane has none waiting.
        Lane &lane = *m_lanes.front();
        {
            const std::lock_guard lock(lane.mutex);
            const size_t room = kRecycledPerLane - std::min(kRecycledPerLane, lane.returned.size());
            if (lane.returned.empty() && records.size() <= room) {
                lane.returned.swap(records);
                return;
            }
        }
    }
    size_t next = 0;
    for (size_t i = 0; i < lanes && next < records.size(); ++i) {
        // An even share for each lane, the first ones taking the remainder.
        const size_t share = (records.size() - next + (lanes - i) - 1) / (lanes - i);
        Lane &lane = *m_lanes[i];
        const std::lock_guard lock(lane.mutex);
        const size_t room = kRecycledPerLane - std::min(kRecycledPerLane, lane.returned.size());
        const size_t taken = std::min(share, room);
        lane.returned.insert(
            lane.returned.end(), std::make_move_iterator(records.begin() + std::ptrdiff_t(next)),
            std::make_move_iterator(records.begin() + std::ptrdiff_t(next + taken)));
        next += share;
    }
    records.clear(); // what found no room is destroyed here, off the workers' path
}

void CaptureQueue::takeRecycled(int lane, CaptureRecord &record) {
    Lane &l = *m_lanes[size_t(lane) % m_lanes.size()];
    if (l.recycled.empty()) {
        const std::lock_guard lock(l.mutex);
        l.recycled.swap(l.returned);
    }
    if (l.recycled.empty()) {
        record = CaptureRecord();
        return;
    }
    record = std::move(l.recycled.back());
    l.recycled.pop_back();
}

} // namespace ToolCapture

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
            lane->records.swap(lane->spare);
        }
        // Outside the lock: the worker goes on pushing into the other vector meanwhile.
        out.insert(out.end(), std::make_move_iterator(lane->spare.begin()),
                   std::make_move_iterator(lane->spare.end()));
        lane->spare.clear();
    }
}

} // namespace ToolCapture

#pragma once

#include <chrono>
#include <vector>

namespace ToolCapture {

// The deadlines of one proxy worker's connections: a binary min-heap in which each owner holds
// at most one entry and knows its position, so setting, moving and cancelling a deadline are
// O(log n) and firing what is due costs nothing for connections whose time has not come (no
// sweep over all connections). Time is whatever the caller's Clock says. Not thread-safe: used
// by one worker thread.
class DeadlineQueue {
public:
    using time_point = std::chrono::steady_clock::time_point;

    // Something with a deadline; its Entry must outlive its place in the queue.
    class Owner {
    public:
        virtual ~Owner() = default;
        // The deadline came (it has left the queue already; the owner may set another).
        virtual void onDeadline(time_point now) = 0;

    private:
        friend class DeadlineQueue;
        time_point m_due{};
        int m_position = -1; // in the heap; -1: not scheduled
    };

    // Sets (or moves) `owner`'s deadline.
    void schedule(Owner &owner, time_point due);
    void cancel(Owner &owner);
    bool isScheduled(const Owner &owner) const noexcept { return owner.m_position >= 0; }
    time_point dueOf(const Owner &owner) const noexcept { return owner.m_due; }

    bool isEmpty() const noexcept { return m_heap.empty(); }
    int size() const noexcept { return int(m_heap.size()); }
    // The earliest deadline; isEmpty() must be false.
    time_point next() const noexcept { return m_heap.front()->m_due; }
    // Calls onDeadline for every owner due at `now`, earliest first; returns how many fired.
    // An owner that schedules itself again at or before `now` fires again in the same call.
    int fireDue(time_point now);

private:
    void place(int position, Owner *owner);
    void siftUp(int position);
    void siftDown(int position);
    void removeAt(int position);

    std::vector<Owner *> m_heap;
};

} // namespace ToolCapture

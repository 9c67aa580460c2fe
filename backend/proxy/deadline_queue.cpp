#include <backend/proxy/deadline_queue.h>

namespace ToolCapture {

void DeadlineQueue::place(int position, Owner *owner) {
    m_heap[size_t(position)] = owner;
    owner->m_position = position;
}

void DeadlineQueue::siftUp(int position) {
    Owner *owner = m_heap[size_t(position)];
    while (position > 0) {
        const int parent = (position - 1) / 2;
        if (!(owner->m_due < m_heap[size_t(parent)]->m_due))
            break;
        place(position, m_heap[size_t(parent)]);
        position = parent;
    }
    place(position, owner);
}

void DeadlineQueue::siftDown(int position) {
    Owner *owner = m_heap[size_t(position)];
    const int count = int(m_heap.size());
    for (;;) {
        int child = 2 * position + 1;
        if (child >= count)
            break;
        if (child + 1 < count && m_heap[size_t(child + 1)]->m_due < m_heap[size_t(child)]->m_due)
            ++child;
        if (!(m_heap[size_t(child)]->m_due < owner->m_due))
            break;
        place(position, m_heap[size_t(child)]);
        position = child;
    }
    place(position, owner);
}

void DeadlineQueue::schedule(Owner &owner, time_point due) {
    if (owner.m_position < 0) {
        owner.m_due = due;
        m_heap.push_back(&owner);
        owner.m_position = int(m_heap.size()) - 1;
        siftUp(owner.m_position);
        return;
    }
    const bool earlier = due < owner.m_due;
    owner.m_due = due;
    if (earlier)
        siftUp(owner.m_position);
    else
        siftDown(owner.m_position);
}

void DeadlineQueue::cancel(Owner &owner) {
    if (owner.m_position >= 0)
        removeAt(owner.m_position);
}

void DeadlineQueue::removeAt(int position) {
    Owner *removed = m_heap[size_t(position)];
    removed->m_position = -1;
    Owner *last = m_heap.back();
    m_heap.pop_back();
    if (last == removed)
        return;
    place(position, last);
    // The moved entry may belong above or below its new place.
    siftUp(position);
    siftDown(last->m_position);
}

int DeadlineQueue::fireDue(time_point now) {
    int fired = 0;
    while (!m_heap.empty() && !(now < m_heap.front()->m_due)) {
        Owner *owner = m_heap.front();
        removeAt(0);
        ++fired;
        owner->onDeadline(now);
    }
    return fired;
}

} // namespace ToolCapture

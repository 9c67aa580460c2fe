#pragma once

#include <QtGlobal>

#include <vector>

namespace ToolCapture {

// A port on 127.0.0.1 where a TCP connect never completes: a listening socket with a backlog
// of zero that is never accepted from, its accept queue filled by connections of its own, so
// the kernel drops further SYNs (loopback otherwise always answers at once).
class UnansweredListener {
public:
    UnansweredListener();
    ~UnansweredListener();
    UnansweredListener(const UnansweredListener &) = delete;
    UnansweredListener &operator=(const UnansweredListener &) = delete;

    quint16 port() const { return m_port; }
    // Whether a further connect was seen not to complete.
    bool isBlocking() const { return m_blocking; }

private:
    int m_listener = -1;
    quint16 m_port = 0;
    bool m_blocking = false;
    std::vector<int> m_fillers;
};

} // namespace ToolCapture

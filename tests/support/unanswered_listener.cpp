#include <tests/support/unanswered_listener.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ToolCapture {

namespace {

// Starts a non-blocking connect; true if it completed within `waitMs`.
bool connectCompletes(int fd, const sockaddr_in &address, int waitMs) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) == 0)
        return true;
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, waitMs) != 1)
        return false;
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    return error == 0;
}

} // namespace

UnansweredListener::UnansweredListener() {
    m_listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(m_listener, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 ||
        ::listen(m_listener, 0) != 0)
        return;
    socklen_t length = sizeof address;
    ::getsockname(m_listener, reinterpret_cast<sockaddr *>(&address), &length);
    m_port = ntohs(address.sin_port);
    // Fill the accept queue until a connect hangs (one filler on Linux with backlog 0).
    // NOTE: the 200 ms wait is how "hangs" is told from "slow"; loopback answers in microseconds.
    for (int i = 0; i < 16 && !m_blocking; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        m_fillers.push_back(fd);
        m_blocking = !connectCompletes(fd, address, 200);
    }
}

UnansweredListener::~UnansweredListener() {
    for (int fd : m_fillers)
        ::close(fd);
    if (m_listener >= 0)
        ::close(m_listener);
}

} // namespace ToolCapture

#pragma once

#include <QByteArray>
#include <QHostAddress>

#include <memory>
#include <sys/socket.h>

namespace ToolCapture {

// Where a connection's reads land: plain memory, allocated on the first read and kept. Unlike a
// QByteArray resized to the read size before each read and to what came after it, nothing is
// written past what the kernel wrote: resize() put a terminating NUL at the end of the 64 KiB
// chunk before every read, a cold cache line (and page) per read, 128 such buffers at 64
// connections.
struct ReadBuffer {
    // Room for `capacity` bytes at the start (what was there is not kept).
    char *room(qsizetype capacity) {
        if (m_capacity < capacity) {
            m_data = std::make_unique_for_overwrite<char[]>(std::size_t(capacity));
            m_capacity = capacity;
        }
        return m_data.get();
    }
    const char *data() const { return m_data.get(); }
    qsizetype size = 0; // bytes of the last read, from data()

private:
    std::unique_ptr<char[]> m_data;
    qsizetype m_capacity = 0;
};

// Small helpers over non-blocking TCP descriptors for the data path.
namespace SocketIo {

// What a read or a write on a non-blocking descriptor came to.
enum class Result { Done, WouldBlock, EndOfStream, Error };

// Reads up to `size` bytes: Done with `got` > 0, WouldBlock, EndOfStream (a FIN) or Error.
Result read(int fd, char *data, qsizetype size, qsizetype &got);
// Writes from `buffer` at `pos` on; advances `pos`; empties the buffer (capacity kept) when all
// of it went. WouldBlock: the rest waits for writability.
Result flush(int fd, QByteArray &buffer, qsizetype &pos);
// A non-blocking, close-on-exec TCP socket with TCP_NODELAY, connecting to `address`:`port`;
// -1 on an immediate failure (errno says why). `connected` is true when connect() finished at
// once.
int connectTcp(const QHostAddress &address, quint16 port, bool &connected);
// The pending error of a connecting socket (SO_ERROR), 0 when connected.
int pendingError(int fd);
void setNoDelay(int fd);
// Fills `storage` from `address`:`port`; returns the length to pass to bind()/connect().
socklen_t toSockaddr(const QHostAddress &address, quint16 port, sockaddr_storage &storage);

} // namespace SocketIo

} // namespace ToolCapture

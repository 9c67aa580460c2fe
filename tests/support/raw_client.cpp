#include <backend/http/http_response_parser.h>
#include <tests/support/raw_client.h>

#include <QHostAddress>

namespace ToolCapture {

namespace {

struct Collector : HttpResponseParser::Handler {
    RawResponse response;
    bool final = false;
    void onResponseHead(ResponseHead &&head) override
    {
        if (head.status >= 200) {
            response.status = head.status;
            response.headers = std::move(head.headers);
        }
    }
    void onResponseBody(const char *data, qsizetype size) override
    {
        response.body.append(data, size);
    }
    void onResponseComplete() override
    {
        if (response.status >= 200)
            final = true;
    }
};

} // namespace

QByteArray RawResponse::header(QByteArrayView name) const
{
    const HttpHeader *h = findHeader(headers, name);
    return h ? h->value : QByteArray();
}

RawClient::RawClient(quint16 port, int timeoutMs)
    : m_timeoutMs(timeoutMs)
{
    m_socket.connectToHost(QHostAddress(QHostAddress::LocalHost), port);
    m_socket.waitForConnected(timeoutMs);
}

bool RawClient::isConnected() const
{
    return m_socket.state() == QAbstractSocket::ConnectedState;
}

void RawClient::send(QByteArrayView bytes)
{
    m_socket.write(bytes.data(), bytes.size());
    m_socket.waitForBytesWritten(m_timeoutMs);
}

RawResponse RawClient::read(QByteArrayView method)
{
    Collector collector;
    HttpResponseParser::Limits limits;
    limits.maxHeaderBytes = 1 << 20;
    HttpResponseParser parser(collector, limits);
    parser.expectResponseTo(method);
    QByteArray buffer = std::exchange(m_pending, QByteArray());
    for (;;) {
        if (!buffer.isEmpty()) {
            const qsizetype used = parser.feed(buffer.constData(), buffer.size());
            buffer.remove(0, used);
            if (parser.state() == HttpResponseParser::State::Failed)
                return collector.response;
            if (collector.final) {
                m_pending = buffer;
                collector.response.complete = true;
                return collector.response;
            }
        }
        if (m_socket.bytesAvailable() == 0 && !m_socket.waitForReadyRead(m_timeoutMs)) {
            if (m_socket.state() != QAbstractSocket::ConnectedState) {
                parser.finish();
                collector.response.complete = collector.final;
            }
            return collector.response;
        }
        buffer.append(m_socket.readAll());
    }
}

bool RawClient::waitForClose(int timeoutMs)
{
    if (m_socket.state() == QAbstractSocket::UnconnectedState)
        return true;
    while (m_socket.waitForReadyRead(timeoutMs))
        m_socket.readAll();
    return m_socket.state() == QAbstractSocket::UnconnectedState;
}

RawResponse RawClient::roundTrip(QByteArrayView request, QByteArrayView method)
{
    send(request);
    return read(method);
}

QByteArray simpleGet(QByteArrayView target, QByteArrayView extraHeaders)
{
    QByteArray out = "GET ";
    out.append(target).append(" HTTP/1.1\r\nHost: test\r\n").append(extraHeaders).append("\r\n");
    return out;
}

} // namespace ToolCapture

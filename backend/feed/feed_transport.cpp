#include <backend/feed/feed_transport.h>

namespace ToolCapture {

FeedTransport::FeedTransport(QObject *parent)
    : QObject(parent) {
    qRegisterMetaType<ToolCapture::FeedMessage>();
    qRegisterMetaType<QList<ToolCapture::FeedMessage>>();
    qRegisterMetaType<ToolCapture::FeedResponse>();
    qRegisterMetaType<ToolCapture::FeedTransport::Connection>();
}

FeedTransport::~FeedTransport() = default;

void FeedTransport::setConnection(Connection state, const QString &detail) {
    if (state == m_connection && detail == m_connectionDetail)
        return;
    m_connection = state;
    m_connectionDetail = detail;
    emit connectionChanged(state, detail);
}

const char *toString(FeedTransport::Connection connection) {
    switch (connection) {
    case FeedTransport::Connection::Connecting:
        return "connecting";
    case FeedTransport::Connection::Connected:
        return "connected";
    case FeedTransport::Connection::Lost:
        return "lost";
    }
    return "unknown";
}

} // namespace ToolCapture

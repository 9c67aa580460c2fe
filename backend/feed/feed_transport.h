#pragma once

#include <backend/feed/feed_message.h>

#include <QObject>
#include <QStringList>

#include <functional>

namespace ToolCapture {

// The console's only way to the engine: feed messages of the subjects it subscribes to, and
// requests to the admin API with their answers. Embedded or remote behind one interface.
// Lives in the GUI thread.
class FeedTransport : public QObject {
    Q_OBJECT
public:
    enum class Connection { Connecting, Connected, Lost };
    Q_ENUM(Connection)

    explicit FeedTransport(QObject *parent = nullptr);
    ~FeedTransport() override;

    // Replaces the set of subjects. Each state subject's current document follows soon.
    virtual void subscribe(const QStringList &subjects) = 0;
    // Sends a request to the admin API; `done` is called later on this thread (never inside
    // request()), and not at all once `context` is destroyed.
    virtual void request(const FeedRequest &request, QObject *context,
                         std::function<void(const FeedResponse &)> done) = 0;
    // "embedded", or the remote instance's URL.
    virtual QString endpointLabel() const = 0;

    Connection connection() const { return m_connection; }
    QString connectionDetail() const { return m_connectionDetail; }
    QStringList subjects() const { return m_subjects; }

signals:
    void messages(const QList<ToolCapture::FeedMessage> &batch);
    void connectionChanged(ToolCapture::FeedTransport::Connection state, const QString &detail);
    // Append items of the subscribed subjects were lost: the client fell further behind than
    // the hub keeps (the remote feed's `reset`), or the connection was lost and has resumed.
    // Emitted before the messages that follow the gap: a list mirroring an append subject
    // reloads its newest history instead of keeping rows with a hole in them.
    void appendItemsLost();

protected:
    // Emits connectionChanged when the state or its detail changes.
    void setConnection(Connection state, const QString &detail);
    void setSubjects(const QStringList &subjects) { m_subjects = subjects; }

private:
    Connection m_connection = Connection::Connecting;
    QString m_connectionDetail;
    QStringList m_subjects;
};

const char *toString(FeedTransport::Connection connection);

} // namespace ToolCapture

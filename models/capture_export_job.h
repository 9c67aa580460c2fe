#pragma once

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QStringList>

#include <vector>

namespace ToolCapture {

class FeedTransport;

// Exports an arbitrary selection of captures as one HAR 1.2 log or one curl script. The
// export endpoint takes filters, not a list, so the job asks it for each correlation id
// (GET /api/v1/captures/export?format=…&correlation_id=…, a few at a time) and assembles one
// document in the order given: HAR entries merged into the first log, curl commands under one
// script header. Lives in the GUI thread; deletes nothing itself.
class CaptureExportJob : public QObject {
    Q_OBJECT
public:
    enum class Format { Har, Curl };
    static constexpr int kConcurrency = 4;

    CaptureExportJob(FeedTransport *transport, Format format, QStringList correlationIds,
                     QObject *parent = nullptr);

    void start();
    const QByteArray &document() const { return m_document; }

signals:
    // Once: the document, or an error (then the document is empty).
    void finished(const QByteArray &document, const QString &error);

private:
    void requestNext();
    void assemble();

    QPointer<FeedTransport> m_transport;
    Format m_format;
    QStringList m_ids;
    std::vector<QByteArray> m_parts;
    int m_next = 0;
    int m_done = 0;
    bool m_failed = false;
    QByteArray m_document;
};

} // namespace ToolCapture

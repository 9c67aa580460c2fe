#include <backend/feed/feed_transport.h>
#include <models/capture_export_job.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

namespace ToolCapture {

CaptureExportJob::CaptureExportJob(FeedTransport *transport, Format format,
                                   QStringList correlationIds, QObject *parent)
    : QObject(parent)
    , m_transport(transport)
    , m_format(format)
    , m_ids(std::move(correlationIds)) {
    m_parts.resize(size_t(m_ids.size()));
}

void CaptureExportJob::start() {
    if (m_ids.isEmpty() || !m_transport) {
        QMetaObject::invokeMethod(
            this, [this] { emit finished({}, tr("Nothing to export.")); }, Qt::QueuedConnection);
        return;
    }
    for (int i = 0; i < kConcurrency; ++i)
        requestNext();
}

void CaptureExportJob::requestNext() {
    if (m_failed || m_next >= m_ids.size() || !m_transport)
        return;
    const int index = m_next++;
    FeedRequest request;
    request.target =
        "/api/v1/captures/export?format=" + QByteArray(m_format == Format::Har ? "har" : "curl") +
        "&correlation_id=" + QUrl::toPercentEncoding(m_ids.at(index));
    m_transport->request(request, this, [this, index](const FeedResponse &response) {
        if (m_failed)
            return;
        if (!response.ok()) {
            m_failed = true;
            QString detail =
                QJsonDocument::fromJson(response.body).object().value(u"detail").toString();
            if (detail.isEmpty())
                detail = response.error.isEmpty() ? tr("HTTP status %1").arg(response.status)
                                                  : response.error;
            emit finished({}, tr("Export of %1 failed: %2").arg(m_ids.at(index), detail));
            return;
        }
        m_parts[size_t(index)] = response.body;
        if (++m_done == m_ids.size())
            assemble();
        else
            requestNext();
    });
}

void CaptureExportJob::assemble() {
    if (m_format == Format::Har) {
        QJsonObject root;
        QJsonArray entries;
        for (const QByteArray &part : m_parts) {
            const QJsonObject document = QJsonDocument::fromJson(part).object();
            if (root.isEmpty())
                root = document;
            const QJsonArray partEntries =
                document.value(u"log").toObject().value(u"entries").toArray();
            for (const QJsonValue &entry : partEntries)
                entries.push_back(entry);
        }
        QJsonObject log = root.value(u"log").toObject();
        log.insert(QLatin1StringView("entries"), entries);
        root.insert(QLatin1StringView("log"), log);
        m_document = QJsonDocument(root).toJson(QJsonDocument::Indented);
    } else {
        m_document = "#!/bin/sh\n# " + QByteArray::number(m_ids.size()) +
                     " captured request(s), exported by ToolCapture.\n";
        for (const QByteArray &part : m_parts) {
            // Each part is a whole script: drop its header, keep its commands.
            const qsizetype body = part.indexOf("\n\n");
            m_document += '\n';
            m_document += (part.startsWith("#!") && body >= 0) ? part.mid(body + 2) : part;
        }
    }
    emit finished(m_document, {});
}

} // namespace ToolCapture

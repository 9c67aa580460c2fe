#include <models/status_summary.h>

#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace ToolCapture {

std::optional<StatusSummary> StatusSummary::fromJson(const QByteArray &json,
                                                     const StatusSummary *previous) {
    const QJsonDocument document = QJsonDocument::fromJson(json);
    const QJsonObject o = document.object();
    if (!document.isObject() || !o.value(QLatin1String("proxy_address")).isString())
        return std::nullopt;
    StatusSummary s;
    s.proxyAddress = o.value(QLatin1String("proxy_address")).toString();
    s.adminAddress = o.value(QLatin1String("admin_address")).toString();
    s.draining = o.value(QLatin1String("draining")).toBool();
    s.uptimeMs = o.value(QLatin1String("uptime_ms")).toInteger();
    s.responsesTotal =
        quint64(std::max<qint64>(0, o.value(QLatin1String("responses_total")).toInteger()));
    s.serverErrorsTotal =
        quint64(std::max<qint64>(0, o.value(QLatin1String("server_errors_total")).toInteger()));
    const QJsonObject kafka = o.value(QLatin1String("kafka")).toObject();
    s.kafkaEnabled = kafka.value(QLatin1String("enabled")).toBool();
    s.kafkaBrokers = kafka.value(QLatin1String("brokers")).toString();
    s.kafkaEmbedded = kafka.value(QLatin1String("embedded")).toBool();
    s.kafkaUp = kafka.value(QLatin1String("brokers_up")).toBool();
    s.spoolPending = quint64(
        std::max<qint64>(0, kafka.value(QLatin1String("spool_pending_records")).toInteger()));
    const QJsonObject capture = o.value(QLatin1String("capture")).toObject();
    s.captureEnabled = capture.value(QLatin1String("enabled")).toBool();
    s.capturesStored =
        quint64(std::max<qint64>(0, capture.value(QLatin1String("captured")).toInteger()));
    s.capturesDropped =
        quint64(std::max<qint64>(0, capture.value(QLatin1String("dropped")).toInteger()));
    const QJsonObject store = o.value(QLatin1String("store")).toObject();
    s.storeEnabled = store.value(QLatin1String("enabled")).toBool();
    s.storeLocation = store.value(QLatin1String("location")).toString();
    s.storeConnected = store.value(QLatin1String("connected")).toBool();
    s.storePending =
        quint64(std::max<qint64>(0, store.value(QLatin1String("pending_rows")).toInteger()));
    s.storeDropped =
        quint64(std::max<qint64>(0, store.value(QLatin1String("dropped_rows")).toInteger()));
    s.storeError = store.value(QLatin1String("last_error")).toString();

    if (previous && s.uptimeMs > previous->uptimeMs &&
        s.responsesTotal >= previous->responsesTotal &&
        s.serverErrorsTotal >= previous->serverErrorsTotal) {
        const double seconds = double(s.uptimeMs - previous->uptimeMs) / 1000.0;
        const quint64 responses = s.responsesTotal - previous->responsesTotal;
        s.requestsPerSecond = double(responses) / seconds;
        if (responses > 0) {
            s.errorRate = std::min(1.0, double(s.serverErrorsTotal - previous->serverErrorsTotal) /
                                            double(responses));
        } else {
            s.errorRate = 0.0;
        }
    }
    return s;
}

} // namespace ToolCapture

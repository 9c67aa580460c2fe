#include <backend/core/logging.h>

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>

#include <atomic>
#include <cstdio>

namespace ToolCapture {

Q_LOGGING_CATEGORY(lcProxy, "toolcapture.proxy")
Q_LOGGING_CATEGORY(lcUpstream, "toolcapture.upstream")
Q_LOGGING_CATEGORY(lcAdmin, "toolcapture.admin")
Q_LOGGING_CATEGORY(lcConfig, "toolcapture.config")
Q_LOGGING_CATEGORY(lcEngine, "toolcapture.engine")
Q_LOGGING_CATEGORY(lcDemo, "toolcapture.demo")
Q_LOGGING_CATEGORY(lcEvents, "toolcapture.events")

namespace {

std::atomic<bool> g_json{false};

const char *levelName(QtMsgType type) {
    switch (type) {
    case QtDebugMsg:
        return "debug";
    case QtInfoMsg:
        return "info";
    case QtWarningMsg:
        return "warning";
    case QtCriticalMsg:
        return "critical";
    case QtFatalMsg:
        return "fatal";
    }
    return "info";
}

void handleMessage(QtMsgType type, const QMessageLogContext &context, const QString &message) {
    const QString time = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    const char *category = context.category ? context.category : "default";
    QByteArray line;
    if (g_json.load(std::memory_order_relaxed)) {
        QJsonObject object{{QStringLiteral("time"), time},
                           {QStringLiteral("level"), QLatin1String(levelName(type))},
                           {QStringLiteral("category"), QLatin1String(category)},
                           {QStringLiteral("message"), message}};
        line = QJsonDocument(object).toJson(QJsonDocument::Compact);
    } else {
        line = time.toUtf8() + ' ' + levelName(type) + ' ' + category + ": " + message.toUtf8();
    }
    line += '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    if (type == QtFatalMsg)
        std::abort();
}

} // namespace

void installLogHandler(bool json, bool debug) {
    g_json.store(json, std::memory_order_relaxed);
    qInstallMessageHandler(handleMessage);
    if (qEnvironmentVariableIsEmpty("QT_LOGGING_RULES"))
        QLoggingCategory::setFilterRules(debug ? QStringLiteral("toolcapture.*.debug=true")
                                               : QStringLiteral("toolcapture.*.debug=false"));
}

} // namespace ToolCapture

#pragma once

#include <backend/httpserver/http_server.h>

#include <QObject>

#include <memory>

namespace ToolCapture {

class AnalyserHost;

// The pattern analysis endpoints of the admin API (docs/intelligence-api.md):
//   GET /api/v1/patterns?window=1m|5m|1h&service=NAME  (window 5m by default; 400 for another)
//   GET /api/v1/anomalies?active=true|false            (all when absent)
//   GET /api/v1/correlations/{correlation_id}          (404 when the analyser has nothing)
// The documents are built by the analyser on its thread and answered when they come back.
// Errors are problem+json. Lives in the admin/engine thread, with the host.
class IntelligenceApi : public QObject {
    Q_OBJECT
public:
    explicit IntelligenceApi(AnalyserHost *host, QObject *parent = nullptr);

    static bool handles(QByteArrayView path) noexcept;
    void handle(const HttpRequest &request, const std::shared_ptr<HttpResponder> &responder);

private:
    AnalyserHost *m_host;
};

} // namespace ToolCapture

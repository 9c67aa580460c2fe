#pragma once

#include <backend/httpserver/http_server.h>
#include <backend/intelligence/setting_change.h>

#include <QJsonObject>
#include <QObject>

#include <functional>
#include <memory>

namespace ToolCapture {

// The live settings endpoints of the admin API (docs/intelligence-api.md, "Live settings"):
//   GET   /api/v1/settings   {"services": {name: {setting: value}}, "audit": [A, ...]}
//   PATCH /api/v1/settings   {"service", "setting", "value", "reason"} -> A
// The actor of a change is "console" for a request from this process's console (the embedded
// feed, AdminServer::isInProcess) and "admin-api" for one over the listener. A bad body, an
// unknown service or setting or a value of the wrong type or out of range is a 400 problem
// whose "errors" pointer names the member ("/service", "/setting", "/value"). Both need the
// admin token. Lives in the admin/engine thread.
class SettingsApi : public QObject {
    Q_OBJECT
public:
    struct Context {
        std::function<QJsonObject()> document; // GET's document
        SettingChangePort change;              // the engine's change path
    };

    explicit SettingsApi(Context context, QObject *parent = nullptr);

    static bool handles(QByteArrayView path) noexcept;
    void handle(const HttpRequest &request, const std::shared_ptr<HttpResponder> &responder);

private:
    HttpResponse patch(const HttpRequest &request, QByteArrayView path);

    Context m_context;
};

} // namespace ToolCapture

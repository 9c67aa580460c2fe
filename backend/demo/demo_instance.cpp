#include <backend/demo/demo_instance.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

namespace ToolCapture {

DemoInstance::DemoInstance(QString id, QStringList capabilities, QObject *parent)
    : QObject(parent)
    , m_id(std::move(id))
    , m_capabilities(std::move(capabilities)) {
    HttpServer::Options options;
    options.maxBodyBytes = 64 * 1024;
    options.serverHeader = "toolcapture-demo";
    m_server = std::make_unique<HttpServer>(
        [this](const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
            onRequest(request, std::move(responder));
        },
        options);
}

DemoInstance::~DemoInstance() = default;

bool DemoInstance::listen(const QHostAddress &address, QString *error) {
    return m_server->listen(address, 0, error);
}

void DemoInstance::close() {
    m_server->close();
}

QHostAddress DemoInstance::address() const {
    return m_server->address();
}

quint16 DemoInstance::port() const {
    return m_server->port();
}

QString DemoInstance::url() const {
    if (port() == 0)
        return {};
    return QStringLiteral("http://%1:%2").arg(address().toString()).arg(port());
}

QByteArray DemoInstance::correlationId(const HttpRequest &request) {
    const HttpHeader *header = findHeader(request.head.headers, "X-Correlation-ID");
    return header ? header->value : QByteArray();
}

HttpResponse DemoInstance::notFound(const HttpRequest &request) {
    return HttpResponse::problem(404, "no such resource: " + request.head.path().toByteArray(),
                                 correlationId(request));
}

HttpResponse DemoInstance::methodNotAllowed(const HttpRequest &request, QByteArray allow) {
    HttpResponse response = HttpResponse::problem(405, request.head.method + " is not allowed here",
                                                  correlationId(request));
    response.headers.push_back({"Allow", std::move(allow)});
    return response;
}

void DemoInstance::onRequest(const HttpRequest &request, std::shared_ptr<HttpResponder> responder) {
    HttpResponse response;
    if (request.head.path() == "/health") {
        if (request.head.method == "GET") {
            const QJsonObject body{{QStringLiteral("status"), QStringLiteral("ok")},
                                   {QStringLiteral("instance"), m_id}};
            response = HttpResponse::json(200, QJsonDocument(body).toJson(QJsonDocument::Compact));
        } else {
            response = methodNotAllowed(request, "GET");
        }
    } else {
        response = handle(request);
    }
    response.headers.push_back({"X-Served-By", m_id.toUtf8()});
    if (m_delay.count() <= 0) {
        respond(responder, std::move(response));
        return;
    }
    // The context object drops the answer if the instance goes away first; the connection
    // then closes when the last responder reference is released.
    QTimer::singleShot(m_delay, this, [this, responder, response = std::move(response)]() mutable {
        respond(responder, std::move(response));
    });
}

void DemoInstance::respond(const std::shared_ptr<HttpResponder> &responder, HttpResponse response) {
    ++m_served;
    responder->respond(std::move(response));
}

} // namespace ToolCapture

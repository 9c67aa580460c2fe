#include <backend/http/problem_details.h>
#include <backend/httpserver/api_problem.h>

#include <nlohmann/json.hpp>

namespace ToolCapture {

namespace {
std::string str(QByteArrayView bytes) {
    return bytes.toByteArray().toStdString();
}
} // namespace

HttpResponse ApiProblem::response(int status, QByteArrayView detail, QByteArrayView instance,
                                  const std::vector<Error> &errors, QByteArrayView extensions) {
    nlohmann::ordered_json body;
    body["type"] = "about:blank";
    body["title"] = str(reasonPhrase(status));
    body["status"] = status;
    body["detail"] = str(detail);
    body["instance"] = str(instance);
    if (!errors.empty()) {
        auto list = nlohmann::ordered_json::array();
        for (const Error &error : errors)
            list.push_back({{"detail", str(error.detail)}, {"pointer", str(error.pointer)}});
        body["errors"] = std::move(list);
    }
    if (!extensions.isEmpty()) {
        const auto members =
            nlohmann::ordered_json::parse(extensions.begin(), extensions.end(), nullptr, false);
        if (members.is_object()) {
            for (const auto &[name, value] : members.items()) {
                if (!body.contains(name))
                    body[name] = value;
            }
        }
    }
    HttpResponse response;
    response.status = status;
    response.headers.push_back({"Content-Type", "application/problem+json"});
    response.headers.push_back({"Cache-Control", "no-store"});
    // Invalid UTF-8 (quoted from a malformed request) becomes U+FFFD, never a throw.
    response.body = QByteArray::fromStdString(
        body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    return response;
}

HttpResponse ApiProblem::badParameter(QByteArrayView name, QByteArrayView reason,
                                      QByteArrayView instance) {
    const QByteArray detail = name.toByteArray() + ": " + reason.toByteArray();
    return response(400, detail, instance, {{detail, parameterPointer(name)}});
}

QByteArray ApiProblem::parameterPointer(QByteArrayView name) {
    return '?' + name.toByteArray();
}

} // namespace ToolCapture

#pragma once

#include <backend/httpserver/http_server.h>

#include <QByteArray>
#include <QByteArrayView>

#include <vector>

namespace ToolCapture {

// The one error format of the admin API and everything mounted on it (captures, topics, hooks,
// the feed): application/problem+json (RFC 9457) with type, title, status, detail and
// instance, and for a bad query parameter or body member an "errors" array of
// {"detail", "pointer"}: "?name" for a query parameter, an RFC 6901 pointer into the body
// ("" for the whole body). Plain functions over values; any thread.
class ApiProblem {
public:
    struct Error {
        QByteArray detail;
        QByteArray pointer;
    };

    // `extensions`: a JSON object whose members are added to the problem (RFC 9457 section
    // 3.2: extension members, e.g. counts a client acts on); standard members are not replaced.
    static HttpResponse response(int status, QByteArrayView detail, QByteArrayView instance,
                                 const std::vector<Error> &errors = {},
                                 QByteArrayView extensions = {});
    // A 400 naming the query parameter at fault; the detail is "name: reason".
    static HttpResponse badParameter(QByteArrayView name, QByteArrayView reason,
                                     QByteArrayView instance);
    // The pointer of a query parameter: "?name".
    static QByteArray parameterPointer(QByteArrayView name);
};

} // namespace ToolCapture

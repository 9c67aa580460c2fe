#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <span>
#include <vector>

namespace ToolCapture {

// One decoded query parameter.
struct QueryParameter {
    QByteArray name;
    QByteArray value;
};

// Why a query was refused: the parameter at fault and the reason, for a problem response.
struct QueryError {
    QByteArray parameter;
    QByteArray reason;
};

// Splits and decodes a query string (application/x-www-form-urlencoded: '&' between pairs, '+'
// for a space, percent-encoding) for an API whose parameters are all named in `known`, each
// given at most once and with a value. Parameters come back in the order given. On a refusal
// returns false and fills `error` (an unknown name, a repeated one, an empty value).
bool parseQueryParameters(QByteArrayView query, std::span<const QByteArrayView> known,
                          std::vector<QueryParameter> &out, QueryError &error);

} // namespace ToolCapture

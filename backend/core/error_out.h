#pragma once

#include <QString>

namespace ToolCapture {

// For functions that return false and say why through an optional `QString *error`: writes
// `message` there when the caller asked for it.
inline void setError(QString *error, const QString &message) {
    if (error)
        *error = message;
}

} // namespace ToolCapture

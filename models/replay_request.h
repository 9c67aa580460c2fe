#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

#include <optional>

namespace ToolCapture {

// The body of POST /api/v1/captures/{id}/replay: where to send the captured request and what
// to change in it first.
struct ReplayRequest {
    QString instance; // empty: through the proxy, routed as any request
    // In order: set a field (replacing every field of that name) or remove it (nullopt).
    QList<QPair<QString, std::optional<QString>>> headers;
    std::optional<QByteArray> body; // replaces the captured body

    QByteArray toJson() const;
    static QByteArray target(qint64 captureId);
};

} // namespace ToolCapture

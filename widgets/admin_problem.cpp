#include <widgets/admin_problem.h>

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>

namespace ToolCapture {

QString adminProblemText(const FeedResponse &response) {
    const auto tr = [](const char *text) {
        return QCoreApplication::translate("ToolCapture::AdminProblem", text);
    };
    if (response.status == 0)
        return response.error.isEmpty() ? tr("no answer from the engine") : response.error;
    const QJsonObject problem = QJsonDocument::fromJson(response.body).object();
    const QString detail = problem.value(QLatin1String("detail")).toString();
    if (!detail.isEmpty())
        return tr("%1 (HTTP %2)").arg(detail).arg(response.status);
    const QString title = problem.value(QLatin1String("title")).toString();
    if (!title.isEmpty())
        return tr("%1 (HTTP %2)").arg(title).arg(response.status);
    return tr("HTTP status %1").arg(response.status);
}

} // namespace ToolCapture

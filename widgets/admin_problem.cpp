#include <widgets/admin_problem.h>

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>

namespace ToolCapture {

QString adminProblemText(const FeedResponse &response) {
    // Spelled out at each use (not through a helper) so that lupdate files them under this
    // context, the one looked up at run time.
    if (response.status == 0)
        return response.error.isEmpty() ? QCoreApplication::translate("ToolCapture::AdminProblem",
                                                                      "no answer from the engine")
                                        : response.error;
    const QJsonObject problem = QJsonDocument::fromJson(response.body).object();
    const QString detail = problem.value(QLatin1String("detail")).toString();
    if (!detail.isEmpty())
        return QCoreApplication::translate("ToolCapture::AdminProblem", "%1 (HTTP %2)")
            .arg(detail)
            .arg(response.status);
    const QString title = problem.value(QLatin1String("title")).toString();
    if (!title.isEmpty())
        return QCoreApplication::translate("ToolCapture::AdminProblem", "%1 (HTTP %2)")
            .arg(title)
            .arg(response.status);
    return QCoreApplication::translate("ToolCapture::AdminProblem", "HTTP status %1")
        .arg(response.status);
}

} // namespace ToolCapture

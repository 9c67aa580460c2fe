#include <backend/feed/feed_transport.h>
#include <widgets/instance_chooser.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace ToolCapture {

InstanceChooser::InstanceChooser(FeedTransport *transport, const QString &service,
                                 const QString &answeredBy, QWidget *parent)
    : QComboBox(parent) {
    addItem(tr("Routed by the proxy (as any request)"), QString());
    setMinimumContentsLength(28);
    if (!transport)
        return;
    FeedRequest request;
    request.target = "/api/v1/services";
    transport->request(request, this, [this, service, answeredBy](const FeedResponse &response) {
        if (!response.ok()) {
            emit loadFailed(response.error.isEmpty() ? tr("HTTP status %1").arg(response.status)
                                                     : response.error);
            return;
        }
        const QJsonArray services =
            QJsonDocument::fromJson(response.body).object().value(u"services").toArray();
        QStringList own;
        QStringList others;
        for (const QJsonValue &entry : services) {
            const QString name = entry.toObject().value(u"name").toString();
            for (const QJsonValue &instance : entry.toObject().value(u"instances").toArray()) {
                const QString id = instance.toObject().value(u"id").toString();
                (service.isEmpty() || name == service ? own : others) << id;
            }
        }
        for (const QString &id : std::as_const(own))
            addItem(id == answeredBy ? tr("%1 (answered the capture)").arg(id) : id, id);
        if (!others.isEmpty() && !own.isEmpty())
            insertSeparator(count());
        for (const QString &id : std::as_const(others))
            addItem(tr("%1 (another service)").arg(id), id);
        emit loaded();
    });
}

bool InstanceChooser::setInstance(const QString &instance) {
    const int index = findData(instance);
    if (index < 0)
        return false;
    setCurrentIndex(index);
    return true;
}

QStringList InstanceChooser::instances() const {
    QStringList ids;
    for (int i = 0; i < count(); ++i) {
        const QString id = itemData(i).toString();
        if (!id.isEmpty())
            ids << id;
    }
    return ids;
}

} // namespace ToolCapture

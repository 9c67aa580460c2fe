#pragma once

#include <QComboBox>
#include <QPointer>

namespace ToolCapture {

class FeedTransport;

// Where a replay goes: "routed by the proxy" (data "") or one instance, listed from
// GET /api/v1/services with the given service's instances first.
class InstanceChooser : public QComboBox {
    Q_OBJECT
public:
    InstanceChooser(FeedTransport *transport, const QString &service,
                    const QString &answeredBy = {}, QWidget *parent = nullptr);

    QString instance() const { return currentData().toString(); }
    // False when no such instance is listed.
    bool setInstance(const QString &instance);
    QStringList instances() const;

signals:
    void loaded();
    void loadFailed(const QString &error);
};

} // namespace ToolCapture

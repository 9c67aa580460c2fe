#pragma once

#include <backend/feed/feed_message.h>

#include <QWidget>

class QLabel;
class QTreeView;

namespace ToolCapture {

class ServicesModel;

// Services and routing: each service with its instances (health, active requests, EWMA
// latency, the live score and its four parts as bars, why an excluded instance is excluded),
// and the selected service's routing decision in words.
class ServicesView : public QWidget {
    Q_OBJECT
public:
    explicit ServicesView(QWidget *parent = nullptr);

    static QStringList subjects();
    void apply(const FeedMessage &message);

    ServicesModel *model() const { return m_model; }
    QTreeView *tree() const { return m_tree; }
    // The routing explanation shown below the tree.
    QString routingText() const;

private:
    void showRouting();

    ServicesModel *m_model;
    QTreeView *m_tree;
    QLabel *m_routing;
};

} // namespace ToolCapture

#pragma once

#include <QTreeView>

namespace ToolCapture {

// The console's services tree: services with their instances expanded below them, numeric
// columns sized to their contents.
class ServicesView : public QTreeView {
    Q_OBJECT
public:
    explicit ServicesView(QWidget *parent = nullptr);

    // QAbstractItemView
    void setModel(QAbstractItemModel *model) override;

private:
    void expandAfterReset();

    QMetaObject::Connection m_resetConnection;
};

} // namespace ToolCapture

#include <widgets/services_view.h>

#include <QHeaderView>

namespace ToolCapture {

ServicesView::ServicesView(QWidget *parent)
    : QTreeView(parent) {
    setObjectName(QStringLiteral("servicesView"));
    setUniformRowHeights(true);
    setAlternatingRowColors(true);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setAllColumnsShowFocus(true);
    header()->setStretchLastSection(false);
    header()->setSectionResizeMode(QHeaderView::ResizeToContents);
}

void ServicesView::setModel(QAbstractItemModel *model) {
    disconnect(m_resetConnection);
    QTreeView::setModel(model);
    if (model) {
        // A reset collapses everything; services are few, so show all their instances.
        m_resetConnection =
            connect(model, &QAbstractItemModel::modelReset, this, &ServicesView::expandAfterReset);
    }
    expandAfterReset();
}

void ServicesView::expandAfterReset() {
    expandAll();
}

} // namespace ToolCapture

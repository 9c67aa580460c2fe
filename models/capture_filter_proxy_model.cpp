#include <models/capture_filter_proxy_model.h>
#include <models/capture_list_model.h>

namespace ToolCapture {

CaptureFilterProxyModel::CaptureFilterProxyModel(QObject *parent)
    : QSortFilterProxyModel(parent) {
    setDynamicSortFilter(true);
}

void CaptureFilterProxyModel::setSourceModel(QAbstractItemModel *model) {
    m_captures = qobject_cast<CaptureListModel *>(model);
    Q_ASSERT(!model || m_captures);
    QSortFilterProxyModel::setSourceModel(m_captures);
}

void CaptureFilterProxyModel::setFilter(const CaptureFilter &filter) {
    if (!filter.isValid() || filter == m_filter)
        return;
    m_filter = filter;
    invalidateRowsFilter();
}

bool CaptureFilterProxyModel::canFetchOlder() const {
    return m_captures && m_captures->canFetchMore({});
}

void CaptureFilterProxyModel::fetchOlder() {
    if (canFetchOlder())
        m_captures->fetchMore({});
}

bool CaptureFilterProxyModel::canFetchMore(const QModelIndex &) const {
    return false;
}

void CaptureFilterProxyModel::fetchMore(const QModelIndex &) {}

bool CaptureFilterProxyModel::filterAcceptsRow(int sourceRow,
                                               const QModelIndex &sourceParent) const {
    if (sourceParent.isValid() || !m_captures)
        return false;
    return m_filter.isEmpty() || m_filter.matches(m_captures->summaryAt(sourceRow));
}

} // namespace ToolCapture

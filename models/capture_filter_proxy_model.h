#pragma once

#include <models/capture_filter.h>

#include <QSortFilterProxyModel>

namespace ToolCapture {

class CaptureListModel;

// Shows the rows of a CaptureListModel that a CaptureFilter matches, in the source's order.
class CaptureFilterProxyModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit CaptureFilterProxyModel(QObject *parent = nullptr);

    // Only a CaptureListModel.
    void setSourceModel(QAbstractItemModel *model) override;
    CaptureListModel *captureModel() const { return m_captures; }

    const CaptureFilter &filter() const { return m_filter; }
    // An invalid filter is not applied (the previous one stays).
    void setFilter(const CaptureFilter &filter);

    // NOTE: history is paged in only when asked (the user scrolled to the top, or the list does
    // not fill the view): a view calls fetchMore() whenever its last row is visible, which for
    // a list tailing at the bottom would page in history without end. So this proxy reports
    // nothing to fetch, and the view uses these instead.
    bool canFetchOlder() const;
    void fetchOlder();
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    CaptureListModel *m_captures = nullptr;
    CaptureFilter m_filter;
};

} // namespace ToolCapture

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

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    CaptureListModel *m_captures = nullptr;
    CaptureFilter m_filter;
};

} // namespace ToolCapture

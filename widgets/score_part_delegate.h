#pragma once

#include <QStyledItemDelegate>

namespace ToolCapture {

// Draws a value in [0, 1] (the model's bar role) as a horizontal bar with the number on it:
// the routing score and its four parts. Cells without a value are drawn as usual.
class ScorePartDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    // `barRole`: the role holding the value; `excludedRole`: a bool role that greys the bar.
    ScorePartDelegate(int barRole, int excludedRole, QObject *parent = nullptr);

    // QAbstractItemDelegate
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    int m_barRole;
    int m_excludedRole;
};

} // namespace ToolCapture

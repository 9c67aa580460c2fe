#pragma once

#include <QStyledItemDelegate>

namespace ToolCapture {

// Draws a number in [0, 1] (Qt::UserRole of the cell, else its display value) as a horizontal
// bar with the value written over it: the parts of a routing score.
class ScoreBarDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace ToolCapture

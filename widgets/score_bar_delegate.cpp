#include <widgets/score_bar_delegate.h>

#include <QApplication>
#include <QLocale>
#include <QPainter>

namespace ToolCapture {

void ScoreBarDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                             const QModelIndex &index) const {
    QVariant value = index.data(Qt::UserRole);
    if (!value.isValid())
        value = index.data(Qt::DisplayRole);
    bool ok = false;
    const double fraction = value.toDouble(&ok);
    if (!ok) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    const QRect area = option.rect.adjusted(3, 3, -3, -3);
    const double clamped = std::clamp(fraction, 0.0, 1.0);
    QRect bar = area;
    bar.setWidth(int(area.width() * clamped));
    // Red through amber to green as the part grows.
    const QColor colour = QColor::fromHsvF(float(clamped / 3.0), 0.55f, 0.85f);
    painter->save();
    painter->setPen(Qt::NoPen);
    painter->setBrush(option.palette.color(QPalette::AlternateBase));
    painter->drawRect(area);
    painter->setBrush(colour);
    painter->drawRect(bar);
    painter->setPen(option.palette.color(QPalette::Text));
    painter->drawText(area, Qt::AlignCenter, QLocale().toString(fraction, 'f', 3));
    painter->restore();
}

QSize ScoreBarDelegate::sizeHint(const QStyleOptionViewItem &option,
                                 const QModelIndex &index) const {
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.setWidth(std::max(size.width(),
                           option.fontMetrics.horizontalAdvance(QStringLiteral("0.000000")) + 12));
    return size;
}

} // namespace ToolCapture

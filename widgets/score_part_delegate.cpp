#include <widgets/score_part_delegate.h>

#include <QApplication>
#include <QPainter>

#include <algorithm>

namespace ToolCapture {

ScorePartDelegate::ScorePartDelegate(int barRole, int excludedRole, QObject *parent)
    : QStyledItemDelegate(parent)
    , m_barRole(barRole)
    , m_excludedRole(excludedRole) {}

void ScorePartDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                              const QModelIndex &index) const {
    const QVariant value = index.data(m_barRole);
    if (!value.isValid()) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    // Background and selection as the style draws them, then the bar and the number.
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, widget);

    const double fraction = std::clamp(value.toDouble(), 0.0, 1.0);
    const bool excluded = index.data(m_excludedRole).toBool();
    const QRect track = option.rect.adjusted(3, 4, -3, -4);
    const QPalette &palette = option.palette;
    painter->save();
    painter->setPen(Qt::NoPen);
    painter->setBrush(palette.color(QPalette::Mid));
    painter->setOpacity(0.35);
    painter->drawRect(track);
    painter->setOpacity(1.0);
    QRect bar = track;
    bar.setWidth(int(track.width() * fraction));
    QColor fill = excluded ? palette.color(QPalette::Disabled, QPalette::Text)
                           : palette.color(QPalette::Highlight);
    if (option.state & QStyle::State_Selected)
        fill = palette.color(QPalette::HighlightedText);
    fill.setAlpha(excluded ? 110 : 170);
    painter->setBrush(fill);
    painter->drawRect(bar);
    const QString text = index.data(Qt::DisplayRole).toString();
    painter->setPen(palette.color(
        (option.state & QStyle::State_Selected) ? QPalette::HighlightedText : QPalette::Text));
    painter->drawText(track.adjusted(4, 0, -4, 0), Qt::AlignVCenter | Qt::AlignRight, text);
    painter->restore();
}

QSize ScorePartDelegate::sizeHint(const QStyleOptionViewItem &option,
                                  const QModelIndex &index) const {
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    if (index.data(m_barRole).isValid())
        size.setWidth(std::max(size.width(), option.fontMetrics.horizontalAdvance(u'0') * 12));
    return size;
}

} // namespace ToolCapture

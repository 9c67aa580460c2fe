#include <widgets/fraction_bar_delegate.h>

#include <QApplication>
#include <QPainter>

#include <algorithm>

namespace ToolCapture {

namespace {

QColor mix(const QColor &a, const QColor &b, double share) {
    return QColor::fromRgbF(float(a.redF() * (1 - share) + b.redF() * share),
                            float(a.greenF() * (1 - share) + b.greenF() * share),
                            float(a.blueF() * (1 - share) + b.blueF() * share));
}

} // namespace

FractionBarDelegate::FractionBarDelegate(int fractionRole, Shape shape, QObject *parent)
    : QStyledItemDelegate(parent)
    , m_fractionRole(fractionRole)
    , m_shape(shape) {}

QColor FractionBarDelegate::highlightTint(const QPalette &palette) {
    // A dark base gets a dark red, a light one a pale red: the text colour stays readable.
    return mix(palette.color(QPalette::Base), QColor(0xdc, 0x32, 0x2f), 0.28);
}

void FractionBarDelegate::initStyleOption(QStyleOptionViewItem *option,
                                          const QModelIndex &index) const {
    QStyledItemDelegate::initStyleOption(option, index);
    if (m_highlightRole != 0 && index.data(m_highlightRole).toBool()) {
        option->backgroundBrush = highlightTint(option->palette);
        option->font.setBold(true);
    }
}

void FractionBarDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                                const QModelIndex &index) const {
    const QVariant value = index.data(m_fractionRole);
    if (m_shape == Shape::None || !value.isValid()) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = opt.text;
    opt.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    const double fraction = std::clamp(value.toDouble(), 0.0, 1.0);
    QRect area = option.rect.adjusted(3, 4, -3, -4);
    QRect textArea = option.rect.adjusted(4, 0, -4, 0);
    if (m_shape == Shape::Marker) {
        // The text on the left, the time axis after it.
        const int textWidth = opt.fontMetrics.horizontalAdvance(QStringLiteral("+00000.0 ms")) + 8;
        textArea.setWidth(std::min(textWidth, option.rect.width() / 2));
        area.setLeft(textArea.right() + 4);
    }
    QColor fill = option.palette.color(QPalette::Highlight);
    painter->save();
    if (m_shape == Shape::Bar) {
        fill.setAlphaF(0.35f);
        painter->fillRect(QRect(area.left(), area.top(), std::max(1, int(area.width() * fraction)),
                                area.height()),
                          fill);
    } else if (area.width() > 8) {
        // The axis as a thin line, the event as a marker on it.
        painter->fillRect(QRect(area.left(), area.center().y(), area.width(), 1),
                          option.palette.color(QPalette::Mid));
        const int x = area.left() + int((area.width() - 6) * fraction);
        painter->fillRect(QRect(x, area.top(), 6, area.height()), fill);
    }
    painter->restore();

    // The text over it, where the model aligns it.
    painter->save();
    painter->setFont(opt.font);
    painter->setPen(option.state & QStyle::State_Selected
                        ? option.palette.color(QPalette::HighlightedText)
                        : option.palette.color(QPalette::Text));
    painter->drawText(textArea, int(opt.displayAlignment),
                      opt.fontMetrics.elidedText(text, Qt::ElideRight, textArea.width()));
    painter->restore();
}

} // namespace ToolCapture

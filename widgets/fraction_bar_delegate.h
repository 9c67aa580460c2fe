#pragma once

#include <QStyledItemDelegate>

namespace ToolCapture {

// Draws a cell's share (a 0..1 number in `fractionRole`) behind its text: a bar from the left
// (the p99 of an operation against the largest one shown) or a marker on a time axis (an
// event's offset in a correlation's span). Rows whose `highlightRole` is true get a tinted
// background and bold text (an anomalous operation). Colours come from the palette, so a dark
// theme stays readable.
class FractionBarDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    enum class Shape { None, Bar, Marker };

    explicit FractionBarDelegate(int fractionRole, Shape shape, QObject *parent = nullptr);

    // 0 (the default): no row is highlighted.
    void setHighlightRole(int role) { m_highlightRole = role; }

    // The background of a highlighted row: a warm tint mixed into the palette's base.
    static QColor highlightTint(const QPalette &palette);

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;

private:
    int m_fractionRole;
    Shape m_shape;
    int m_highlightRole = 0;
};

} // namespace ToolCapture

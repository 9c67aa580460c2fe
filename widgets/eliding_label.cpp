#include <widgets/eliding_label.h>

#include <QPainter>
#include <QStyle>

namespace ToolCapture {

namespace {
// What the label keeps at its narrowest, besides the ellipsis.
constexpr int kMinimumChars = 6;
} // namespace

ElidingLabel::ElidingLabel(Qt::TextElideMode mode, QWidget *parent)
    : QLabel(parent)
    , m_mode(mode) {
    // One line of plain text (QLabel's default size policy, Preferred, lets a layout take it
    // down to minimumSizeHint()).
    setTextFormat(Qt::PlainText);
}

QRect ElidingLabel::textArea() const {
    return contentsRect().adjusted(margin(), margin(), -margin(), -margin());
}

QString ElidingLabel::shownText() const {
    return fontMetrics().elidedText(text(), m_mode, textArea().width());
}

QSize ElidingLabel::minimumSizeHint() const {
    const QSize hint = QLabel::minimumSizeHint();
    const QMargins margins = contentsMargins();
    const int narrowest = fontMetrics().horizontalAdvance(QChar(0x2026)) +
                          fontMetrics().averageCharWidth() * kMinimumChars + margins.left() +
                          margins.right() + 2 * margin();
    return {qMin(hint.width(), narrowest), hint.height()};
}

void ElidingLabel::paintEvent(QPaintEvent *event) {
    const QString shown = shownText();
    if (shown == text()) {
        QLabel::paintEvent(event); // all of it fits: as any label
        return;
    }
    QPainter painter(this);
    drawFrame(&painter);
    style()->drawItemText(&painter, textArea(), int(alignment()) | Qt::TextSingleLine, palette(),
                          isEnabled(), shown, foregroundRole());
}

} // namespace ToolCapture

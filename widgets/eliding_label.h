#pragma once

#include <QLabel>

namespace ToolCapture {

// A one-line label that gives way when its row is too narrow: it paints as much of its text as
// fits, with an ellipsis where the rest was (in the middle by default, so a path keeps its
// scheme and its file name), where a QLabel is clipped at the edge. Its minimum width is an
// ellipsis and a few characters, so a layout shrinks it before the labels next to it. text()
// stays the whole text; put it in the tooltip too when it can be cut.
class ElidingLabel : public QLabel {
    Q_OBJECT
public:
    explicit ElidingLabel(Qt::TextElideMode mode = Qt::ElideMiddle, QWidget *parent = nullptr);

    // The text as painted at the current width.
    QString shownText() const;

    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QRect textArea() const;

    Qt::TextElideMode m_mode;
};

} // namespace ToolCapture

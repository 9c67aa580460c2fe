#include <widgets/timing_waterfall_view.h>

#include <QLocale>
#include <QPainter>

#include <array>

namespace ToolCapture {

namespace {

QString milliseconds(qint64 us) {
    return TimingWaterfallView::tr("%1 ms").arg(QLocale().toString(double(us) / 1000.0, 'f', 3));
}

} // namespace

TimingWaterfallView::TimingWaterfallView(QWidget *parent)
    : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void TimingWaterfallView::setTimings(qint64 connectedUs, qint64 firstByteUs, qint64 doneUs) {
    m_connectedUs = connectedUs;
    m_firstByteUs = firstByteUs;
    m_doneUs = doneUs;
    setToolTip(doneUs < 0 ? tr("The exchange did not complete.")
                          : tr("Total %1").arg(milliseconds(doneUs)));
    update();
}

QSize TimingWaterfallView::sizeHint() const {
    return {480, fontMetrics().height() * 4 + 16};
}

QSize TimingWaterfallView::minimumSizeHint() const {
    return {240, sizeHint().height()};
}

void TimingWaterfallView::paintEvent(QPaintEvent *) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing, false);
    const int line = fontMetrics().height() + 2;
    const int labelWidth = fontMetrics().horizontalAdvance(tr("Upstream wait")) + 12;
    const int valueWidth = fontMetrics().horizontalAdvance(QStringLiteral("00000.000 ms")) + 8;
    const QRect axis(labelWidth, 4, std::max(20, width() - labelWidth - valueWidth - 4), line);
    const qint64 total = std::max<qint64>(1, std::max({m_doneUs, m_firstByteUs, m_connectedUs}));

    struct Phase {
        QString label;
        qint64 from;
        qint64 to;
        QColor colour;
    };
    const std::array<Phase, 3> phases{{
        {tr("Connect"), 0, m_connectedUs, QColor(0x42, 0x85, 0xf4)},
        {tr("Upstream wait"), m_connectedUs, m_firstByteUs, QColor(0xf4, 0xb4, 0x00)},
        {tr("Response"), m_firstByteUs, m_doneUs, QColor(0x0f, 0x9d, 0x58)},
    }};
    const QColor text = palette().color(QPalette::WindowText);
    int y = axis.top();
    for (const Phase &phase : phases) {
        painter.setPen(text);
        painter.drawText(QRect(0, y, labelWidth - 6, line), Qt::AlignRight | Qt::AlignVCenter,
                         phase.label);
        const QRect track(axis.left(), y + 3, axis.width(), line - 6);
        painter.fillRect(track, palette().color(QPalette::AlternateBase));
        QString value;
        if (phase.from >= 0 && phase.to >= 0) {
            const int x0 = axis.left() + int(double(phase.from) / double(total) * axis.width());
            const int x1 = axis.left() + int(double(phase.to) / double(total) * axis.width());
            painter.fillRect(QRect(x0, track.top(), std::max(2, x1 - x0), track.height()),
                             phase.colour);
            value = milliseconds(phase.to - phase.from);
        } else {
            value = tr("not reached");
        }
        painter.setPen(text);
        painter.drawText(QRect(axis.right() + 6, y, valueWidth, line),
                         Qt::AlignLeft | Qt::AlignVCenter, value);
        y += line;
    }
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(QRect(axis.left(), y, axis.width(), line), Qt::AlignLeft | Qt::AlignVCenter,
                     tr("accepted"));
    painter.drawText(QRect(axis.left(), y, axis.width(), line), Qt::AlignRight | Qt::AlignVCenter,
                     m_doneUs < 0 ? tr("did not complete")
                                  : tr("done at %1").arg(milliseconds(m_doneUs)));
}

} // namespace ToolCapture

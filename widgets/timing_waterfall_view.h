#pragma once

#include <QWidget>

namespace ToolCapture {

// The phases of one exchange as a waterfall on a common time axis: accepted → connected
// (routing, breaker, pool lease or connect), connected → first byte (the upstream's wait),
// first byte → done (the response streamed to the client). A phase the exchange never reached
// is drawn as missing.
class TimingWaterfallView : public QWidget {
    Q_OBJECT
public:
    explicit TimingWaterfallView(QWidget *parent = nullptr);

    // Microseconds after acceptance; -1 when not reached.
    void setTimings(qint64 connectedUs, qint64 firstByteUs, qint64 doneUs);
    void clear() { setTimings(-1, -1, -1); }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    qint64 m_connectedUs = -1;
    qint64 m_firstByteUs = -1;
    qint64 m_doneUs = -1;
};

} // namespace ToolCapture

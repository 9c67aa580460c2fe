#pragma once

#include <QList>
#include <QPointF>

namespace ToolCapture {

// Scaling the y axis of the console's time-series charts (Overview, Cache).
class ChartScale {
public:
    // The smallest of 1, 2, 5 × 10^k at or above `value` (at least `floor`): round axis ticks.
    static double niceCeiling(double value, double floor);
    // The largest y of `points`, 0 when there is none.
    static double maximumY(const QList<QPointF> &points);
};

} // namespace ToolCapture

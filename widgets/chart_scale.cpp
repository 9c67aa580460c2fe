#include <widgets/chart_scale.h>

#include <algorithm>
#include <cmath>

namespace ToolCapture {

double ChartScale::niceCeiling(double value, double floor) {
    if (value <= floor)
        return floor;
    const double magnitude = std::pow(10.0, std::floor(std::log10(value)));
    for (double step : {1.0, 2.0, 5.0, 10.0}) {
        if (step * magnitude >= value)
            return step * magnitude;
    }
    return 10 * magnitude;
}

double ChartScale::maximumY(const QList<QPointF> &points) {
    double maximum = 0;
    for (const QPointF &point : points)
        maximum = std::max(maximum, point.y());
    return maximum;
}

} // namespace ToolCapture

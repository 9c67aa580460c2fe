#include <backend/routing/candidate_filter.h>

namespace ToolCapture {

const char *exclusionKey(Exclusion exclusion) noexcept {
    switch (exclusion) {
    case Exclusion::None:
        return "";
    case Exclusion::BreakerOpen:
        return "breaker_open";
    case Exclusion::Unhealthy:
        return "unhealthy";
    case Exclusion::BulkheadFull:
        return "bulkhead_full";
    case Exclusion::Unreachable:
        return "unreachable";
    case Exclusion::Incompatible:
        return "incompatible";
    case Exclusion::Avoided:
        return "avoided";
    case Exclusion::Draining:
        return "draining";
    }
    return "";
}

QString exclusionText(Exclusion exclusion) {
    switch (exclusion) {
    case Exclusion::None:
        return {};
    case Exclusion::BreakerOpen:
        return QStringLiteral("breaker open");
    case Exclusion::Unhealthy:
        return QStringLiteral("unhealthy");
    case Exclusion::BulkheadFull:
        return QStringLiteral("bulkhead full");
    case Exclusion::Unreachable:
        return QStringLiteral("unreachable (connect failed recently)");
    case Exclusion::Incompatible:
        return QStringLiteral("incompatible");
    case Exclusion::Avoided:
        return QStringLiteral("failed on an earlier attempt of this request");
    case Exclusion::Draining:
        return QStringLiteral("draining");
    }
    return {};
}

} // namespace ToolCapture

#pragma once

#include <QDateTime>
#include <QString>

namespace ToolCapture {

// One change of an instance's health as the engine saw it: an active-check verdict, an outlier
// ejection or its end. Plain values, kept in a bounded history for the admin API and console.
struct HealthEvent {
    enum class Kind { ActiveCheck, Ejected, Unejected };
    Kind kind = Kind::ActiveCheck;
    QString instanceId;
    bool healthy = true; // the instance's active health (ActiveCheck) or !ejected
    QString reason;
    QDateTime at; // UTC
};

constexpr const char *toString(HealthEvent::Kind kind) {
    switch (kind) {
    case HealthEvent::Kind::ActiveCheck:
        return "active_check";
    case HealthEvent::Kind::Ejected:
        return "ejected";
    case HealthEvent::Kind::Unejected:
        return "unejected";
    }
    return "unknown";
}

} // namespace ToolCapture

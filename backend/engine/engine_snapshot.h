#pragma once

#include <backend/metrics/proxy_metrics.h>

#include <QMetaType>
#include <QString>
#include <QStringList>

#include <vector>

namespace ToolCapture {

// One upstream instance as the engine sees it at one moment. Plain values.
struct InstanceSnapshot {
    QString id;
    QString url;
    QStringList capabilities;
    bool reachable = true; // false while marked down after a connect failure
    InstanceTotals totals;
};

// One service and its instances at one moment.
struct ServiceSnapshot {
    QString name;
    QString match; // human-readable: "path /inventory/, host inventory.local"
    std::vector<InstanceSnapshot> instances;
    // At least one reachable instance.
    bool ready() const
    {
        for (const InstanceSnapshot &instance : instances) {
            if (instance.reachable)
                return true;
        }
        return false;
    }
};

// The engine's whole observable state at one moment, as plain values that the admin API
// renders and GUI models display. Cheap to copy relative to how often it is taken (~4 Hz).
struct EngineSnapshot {
    qint64 uptimeMs = 0;
    QString profile;
    QString proxyAddress; // "127.0.0.1:8090"
    QString adminAddress;
    int workers = 0;
    bool draining = false;
    std::vector<ServiceSnapshot> services;
    // Proxy-wide totals. Per-instance totals are in services[].instances[].totals, so
    // totals.instances is left empty.
    ProxyTotals totals;
};

} // namespace ToolCapture

Q_DECLARE_METATYPE(ToolCapture::EngineSnapshot)

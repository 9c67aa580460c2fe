#pragma once

#include <backend/config/proxy_config.h>

#include <QObject>

#include <chrono>
#include <memory>
#include <vector>

namespace ToolCapture {

class DemoInstance;

// The demo mode's upstreams: real HTTP servers on loopback for the inventory (three instances,
// one slow), pricing (two, one failing a share of requests) and catalog (two, cacheable)
// services, so the proxy has something real to route to with no set-up.
// Lives in the thread that created it (the engine thread).
class DemoServices : public QObject {
    Q_OBJECT
public:
    struct Options {
        double pricingFailureRate = 0.3;
        std::chrono::milliseconds slowDelay{250};
    };

    explicit DemoServices(Options options, QObject *parent = nullptr);
    ~DemoServices() override;

    // Binds every instance on 127.0.0.1, port 0 (new ports after a stop(); the counters stay).
    // On failure nothing stays listening.
    bool start(QString *error = nullptr);
    void stop();
    bool isRunning() const { return m_running; }

    // One entry per service with its match and instances; pool, timeouts and retry are left at
    // their defaults. Empty while not running.
    std::vector<ServiceConfig> services() const;
    // Responses an instance has given; 0 for an unknown id.
    quint64 requestsServed(const QString &instanceId) const;

    // Knobs for trying the proxy's reactions while it runs (tests, a demo operator): false when
    // no instance has the id (or, for the failure rate, it is not a pricing instance).
    // Every response of the instance waits `delay` from its next request on.
    bool setResponseDelay(const QString &instanceId, std::chrono::milliseconds delay);
    // The share of the pricing instance's requests that fail with 500, spread evenly (each
    // run of n requests fails about n * rate) or drawn at random like the demo's own.
    bool setFailureRate(const QString &instanceId, double rate, bool evenlySpread = false);

private:
    struct Service {
        QString name;
        QByteArray pathPrefix;
        std::vector<std::unique_ptr<DemoInstance>> instances;
    };

    void createInstances();
    DemoInstance *find(const QString &instanceId) const;

    Options m_options;
    std::vector<Service> m_services;
    bool m_running = false;
};

} // namespace ToolCapture

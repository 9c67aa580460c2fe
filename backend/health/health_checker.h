#pragma once

#include <backend/config/proxy_config.h>
#include <backend/core/clock.h>
#include <backend/health/health_state.h>

#include <QObject>
#include <QString>

#include <chrono>
#include <memory>
#include <span>
#include <vector>

namespace ToolCapture {

class ServiceRegistry;
class UpstreamInstance;

// Active health checks: an HTTP/1.1 GET of HealthConfig::path to every instance of every service
// with checks enabled, every interval, each on a fresh connection with a timeout; 2xx passes,
// anything else (other status, timeout, refused, reset, bad response) fails. Results go through
// the rise/fall thresholds into the instances' HealthStates. First checks are staggered over one
// interval. Instances registered while running are checked from refresh() on; a draining
// instance is not checked. Lives in the engine thread (create it there, or moveToThread before
// start()).
class HealthChecker final : public QObject {
    Q_OBJECT
public:
    // `services` in the registry's order; `registry`, `states` (by UpstreamInstance::index())
    // and `clock` outlive the checker.
    HealthChecker(const ServiceRegistry &registry, const std::vector<ServiceConfig> &services,
                  std::span<HealthState> states, const Clock &clock, QObject *parent = nullptr);
    ~HealthChecker() override;

    void start();
    // Stops every timer and aborts checks in flight; no signal follows. start() again resumes.
    void stop();
    bool isRunning() const noexcept { return m_running; }
    // Checks the instances the registry published since construction or the last refresh (their
    // service's settings; the first check at once when running). Returns how many were added.
    int refresh();

    // How many instances are checked (their service has checks enabled).
    int checkedInstanceCount() const noexcept { return int(m_targets.size()); }
    // When an instance's first check runs after start(): below its interval, spread evenly
    // over all checked instances. -1 ms for an instance not checked.
    std::chrono::milliseconds initialDelay(int instanceIndex) const;

signals:
    // The instance's active health changed (`fall` failures or `rise` passes).
    void healthChanged(const QString &instanceId, bool healthy, const QString &reason);
    // Every finished check, for tests and the console's "last check" column.
    void checkFinished(int instanceIndex, bool passed);

private:
    struct Target;

    Target &addTarget(const UpstreamInstance &instance, const HealthConfig &config);
    void beginCheck(Target &target);
    void onReadyRead(Target &target);
    void onClosed(Target &target);
    void finishAnswered(Target &target); // a complete (non-101) response arrived
    void finishCheck(Target &target, bool passed, int status, const QString &error);

    const ServiceRegistry &m_registry;
    const Clock &m_clock;
    std::span<HealthState> m_states;
    std::vector<std::unique_ptr<Target>> m_targets;
    int m_known = 0; // instances of the registry looked at so far
    bool m_running = false;
};

} // namespace ToolCapture

#include <backend/admin/admin_server.h>
#include <backend/core/logging.h>
#include <backend/demo/demo_services.h>
#include <backend/demo/traffic_generator.h>
#include <backend/engine/engine.h>
#include <backend/metrics/proxy_metrics.h>
#include <backend/proxy/proxy_server.h>
#include <backend/routing/service_registry.h>

#include <QTimer>

namespace ToolCapture {

namespace {
constexpr std::chrono::milliseconds kSnapshotPeriod{250};

QString describeMatch(const MatchConfig &match)
{
    QStringList parts;
    if (!match.pathPrefix.isEmpty())
        parts << QStringLiteral("path %1").arg(QString::fromUtf8(match.pathPrefix));
    if (!match.host.isEmpty())
        parts << QStringLiteral("host %1").arg(QString::fromUtf8(match.host));
    return parts.join(QLatin1String(", "));
}
} // namespace

Engine::Engine(ProxyConfig config, Options options, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_options(options)
{
    qRegisterMetaType<ToolCapture::EngineSnapshot>();
}

Engine::~Engine()
{
    if (m_traffic)
        m_traffic->stop();
}

bool Engine::start(QString *error)
{
    if (m_running)
        return true;
    if (m_options.demo) {
        m_demo = std::make_unique<DemoServices>(DemoServices::Options{});
        if (!m_demo->start(error))
            return false;
        for (ServiceConfig service : m_demo->services()) {
            service.pool = m_config.pool;
            service.timeouts = m_config.timeouts;
            service.retry = m_config.retry;
            m_config.services.push_back(std::move(service));
        }
    }
    m_proxy = std::make_unique<ProxyServer>(m_config);
    if (!m_proxy->listen(error))
        return false;
    m_admin = std::make_unique<AdminServer>([this] { return snapshot(); });
    if (!m_admin->listen(m_config.admin.host, m_config.admin.port, error))
        return false;
    m_uptime.start();
    m_running = true;
    qCInfo(lcEngine).noquote() << "proxy listening on"
                               << QStringLiteral("%1:%2").arg(m_proxy->address().toString())
                                      .arg(m_proxy->port())
                               << "with" << m_proxy->workerCount() << "workers, profile"
                               << m_config.profile;
    qCInfo(lcEngine).noquote() << "admin API on"
                               << QStringLiteral("http://%1:%2/")
                                      .arg(m_config.admin.host.toString())
                                      .arg(m_admin->port());
    if (m_options.demo) {
        m_traffic = std::make_unique<TrafficGenerator>(
            m_proxy->address(), m_proxy->port(),
            TrafficGenerator::Options{m_options.demoRequestsPerSecond, 4});
        m_traffic->start();
    }
    m_snapshotTimer = new QTimer(this);
    connect(m_snapshotTimer, &QTimer::timeout, this, [this] { emit snapshotReady(snapshot()); });
    m_snapshotTimer->start(kSnapshotPeriod);
    return true;
}

void Engine::stop()
{
    if (m_stopping)
        return;
    m_stopping = true;
    if (!m_running) {
        finishStop();
        return;
    }
    if (m_traffic)
        m_traffic->stop();
    connect(m_proxy.get(), &ProxyServer::drained, this, &Engine::finishStop);
    m_proxy->drain(m_config.timeouts.drain);
}

void Engine::finishStop()
{
    if (m_snapshotTimer)
        m_snapshotTimer->stop();
    if (m_admin)
        m_admin->close();
    if (m_demo)
        m_demo->stop();
    m_running = false;
    qCInfo(lcEngine) << "stopped";
    emit stopped();
}

quint16 Engine::proxyPort() const
{
    return m_proxy ? m_proxy->port() : 0;
}

quint16 Engine::adminPort() const
{
    return m_admin ? m_admin->port() : 0;
}

EngineSnapshot Engine::snapshot() const
{
    EngineSnapshot s;
    s.profile = m_config.profile;
    s.uptimeMs = m_uptime.isValid() ? m_uptime.elapsed() : 0;
    if (!m_proxy)
        return s;
    s.proxyAddress = QStringLiteral("%1:%2").arg(m_proxy->address().toString()).arg(m_proxy->port());
    s.adminAddress = m_admin ? QStringLiteral("%1:%2")
                                   .arg(m_config.admin.host.toString())
                                   .arg(m_admin->port())
                             : QString();
    s.workers = m_proxy->workerCount();
    s.draining = m_proxy->isDraining();
    s.totals = m_proxy->metrics().totals();
    const auto now = std::chrono::steady_clock::now();
    const ServiceRegistry &registry = m_proxy->registry();
    for (const ServiceEntry &service : registry.services()) {
        ServiceSnapshot ss;
        ss.name = service.name;
        ss.match = describeMatch(service.match);
        for (const UpstreamInstance *instance : service.instances) {
            InstanceSnapshot is;
            is.id = instance->id();
            is.url = instance->url();
            is.capabilities = instance->capabilities();
            is.reachable = instance->isReachable(now);
            is.totals = std::move(s.totals.instances[size_t(instance->index())]);
            ss.instances.push_back(std::move(is));
        }
        s.services.push_back(std::move(ss));
    }
    s.totals.instances.clear();
    return s;
}

} // namespace ToolCapture

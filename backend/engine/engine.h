#pragma once

#include <backend/config/proxy_config.h>
#include <backend/engine/engine_snapshot.h>

#include <QElapsedTimer>
#include <QObject>

#include <memory>

class QTimer;

namespace ToolCapture {

class AdminServer;
class DemoServices;
class ProxyServer;
class TrafficGenerator;

// Wires the parts of the engine and owns their threads: the proxy (listener and workers), the
// admin API and, in demo mode, the demo upstream services and the traffic generator.
// Lives in the engine thread (the main thread when headless). Read it through snapshot() or
// snapshotReady; command it through queued calls.
class Engine : public QObject {
    Q_OBJECT
public:
    struct Options {
        bool demo = false;                   // start demo upstreams and generated traffic
        double demoRequestsPerSecond = 25.0; // generated traffic rate in demo mode
    };

    Engine(ProxyConfig config, Options options, QObject *parent = nullptr);
    ~Engine() override;

    // In demo mode first starts the demo upstream services and adds their services to the
    // configuration; then binds the proxy and admin listeners and starts the workers.
    bool start(QString *error = nullptr);
    // Graceful stop: stops accepting, lets in-flight requests finish for up to
    // config().timeouts.drain, closes the rest, then emits stopped(). Idempotent.
    void stop();

    EngineSnapshot snapshot() const;
    const ProxyConfig &config() const { return m_config; }
    quint16 proxyPort() const;
    quint16 adminPort() const;
    bool isRunning() const { return m_running; }

signals:
    // About four times a second while running.
    void snapshotReady(const ToolCapture::EngineSnapshot &snapshot);
    void stopped();

private:
    void finishStop();

    ProxyConfig m_config;
    Options m_options;
    std::unique_ptr<DemoServices> m_demo;
    std::unique_ptr<ProxyServer> m_proxy;
    std::unique_ptr<AdminServer> m_admin;
    std::unique_ptr<TrafficGenerator> m_traffic;
    QTimer *m_snapshotTimer = nullptr;
    QElapsedTimer m_uptime;
    bool m_running = false;
    bool m_stopping = false;
};

} // namespace ToolCapture

#pragma once

#include <backend/cache/response_cache.h>
#include <backend/config/proxy_config.h>
#include <backend/metrics/proxy_metrics.h>
#include <backend/proxy/proxy_server.h>
#include <tests/support/test_upstream.h>

#include <QSignalSpy>

#include <memory>
#include <vector>

namespace ToolCapture {

// A service for a test proxy: its name, path prefix and the ports of its instances.
struct TestService {
    QString name;
    QByteArray pathPrefix;
    std::vector<quint16> ports;
    QByteArray host = {};
};

inline ServiceConfig makeService(const TestService &service, const ProxyConfig &base) {
    ServiceConfig s;
    s.name = service.name;
    s.match.pathPrefix = service.pathPrefix;
    s.match.host = service.host;
    s.pool = base.pool;
    s.timeouts = base.timeouts;
    s.retry = base.retry;
    s.breaker = base.breaker;
    s.bulkhead = base.bulkhead;
    s.health = base.health;
    s.outlier = base.outlier;
    s.routing = base.routing;
    int n = 0;
    for (quint16 port : service.ports) {
        InstanceConfig i;
        i.id = service.name + QLatin1Char('-') + QString::number(++n);
        i.host = QStringLiteral("127.0.0.1");
        i.port = port;
        i.url = QStringLiteral("http://127.0.0.1:%1").arg(port);
        s.instances.push_back(i);
    }
    return s;
}

// A ProxyServer on 127.0.0.1, port 0, in front of the given services; on `clock` if given,
// answering from `cache` if given.
inline std::unique_ptr<ProxyServer> startProxy(ProxyConfig config,
                                               const std::vector<TestService> &services,
                                               const Clock *clock = nullptr,
                                               std::shared_ptr<ResponseCache> cache = {}) {
    config.listen.port = 0;
    for (const TestService &service : services)
        config.services.push_back(makeService(service, config));
    auto proxy = clock ? std::make_unique<ProxyServer>(config, *clock)
                       : std::make_unique<ProxyServer>(config);
    if (cache)
        proxy->setResponseCache(std::move(cache));
    if (!proxy->listen())
        return nullptr;
    return proxy;
}

// Asks the workers to fire what is due by the (manual) clock now; true once all have.
inline bool checkDeadlines(ProxyServer &proxy) {
    QSignalSpy checked(&proxy, &ProxyServer::deadlinesChecked);
    proxy.checkDeadlines();
    return checked.wait(10000);
}

// One attempt per request: the data-path suites test what a single exchange does; the
// resilience suites turn retries on.
inline ProxyConfig testConfig(int workers = 1) {
    ProxyConfig config;
    config.workers = workers;
    config.retry.maxAttempts = 1;
    return config;
}

} // namespace ToolCapture

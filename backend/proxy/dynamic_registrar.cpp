#include <backend/config/config_syntax.h>
#include <backend/core/logging.h>
#include <backend/proxy/dynamic_registrar.h>
#include <backend/proxy/upstream_runtime.h>
#include <backend/routing/service_registry.h>

#include <algorithm>
#include <vector>

namespace ToolCapture {

namespace {

struct Endpoint {
    QString url;
    UpstreamAddress address;
};

DynamicRegistration failure(QString error) {
    DynamicRegistration result;
    result.error = std::move(error);
    return result;
}

QString quoted(const QString &text) {
    return QLatin1Char('"') + text + QLatin1Char('"');
}

// Parses every URL; the first bad one is the error. Repeated addresses count once.
QString parseEndpoints(const QStringList &urls, std::vector<Endpoint> &out) {
    for (const QString &url : urls) {
        Endpoint endpoint;
        endpoint.url = url.trimmed();
        const QString error = parseUpstreamUrl(endpoint.url, endpoint.address);
        if (!error.isEmpty())
            return QStringLiteral("endpoint %1: %2").arg(quoted(url), error);
        const bool repeated = std::any_of(out.begin(), out.end(), [&](const Endpoint &e) {
            return e.address.host == endpoint.address.host &&
                   e.address.port == endpoint.address.port;
        });
        if (!repeated)
            out.push_back(std::move(endpoint));
    }
    return {};
}

// Every instance of `service` at `address`: one serving, and those it replaced.
std::vector<UpstreamInstance *> instancesAt(const ServiceEntry &service,
                                            const UpstreamAddress &address) {
    std::vector<UpstreamInstance *> out;
    for (UpstreamInstance *instance : service.instances) {
        if (instance->port() == address.port &&
            instance->host().compare(address.host, Qt::CaseInsensitive) == 0)
            out.push_back(instance);
    }
    return out;
}

// Capabilities compare as the selector compares them: case-insensitively, in any order.
QStringList normalised(const QStringList &capabilities) {
    QStringList out;
    for (const QString &capability : capabilities)
        out.append(capability.toLower());
    out.sort();
    out.removeDuplicates();
    return out;
}

} // namespace

DynamicRegistrar::DynamicRegistrar(ServiceRegistry &registry, UpstreamRuntime &runtime)
    : m_registry(registry)
    , m_runtime(runtime) {}

DynamicRegistration DynamicRegistrar::registerInstances(const QString &serviceName,
                                                        const QStringList &urls,
                                                        const QStringList &capabilities) {
    const QString name = serviceName.trimmed();
    if (name.isEmpty())
        return failure(QStringLiteral("no service name"));
    ServiceEntry *service = m_registry.findService(name);
    if (!service && !isValidServiceName(name)) {
        return failure(QStringLiteral("invalid service name %1 (lower-case letters, digits, "
                                      "\"_\" and \"-\", starting with a letter or digit, at most "
                                      "64)")
                           .arg(quoted(name)));
    }
    if (urls.isEmpty())
        return failure(QStringLiteral("no endpoint to register"));
    std::vector<Endpoint> endpoints;
    if (QString error = parseEndpoints(urls, endpoints); !error.isEmpty())
        return failure(error);
    QStringList wanted;
    for (const QString &capability : capabilities) {
        const QString trimmed = capability.trimmed();
        if (trimmed.isEmpty())
            return failure(QStringLiteral("empty capability"));
        if (!wanted.contains(trimmed, Qt::CaseInsensitive))
            wanted.append(trimmed);
    }
    const QStringList wantedKey = normalised(wanted);

    // What each endpoint needs: the instance already at its address with these capabilities
    // (drained or not), or one of its own.
    std::vector<UpstreamInstance *> existing(endpoints.size(), nullptr);
    int needed = 0;
    for (size_t i = 0; i < endpoints.size(); ++i) {
        if (service) {
            for (UpstreamInstance *instance : instancesAt(*service, endpoints[i].address)) {
                if (normalised(instance->capabilities()) == wantedKey)
                    existing[i] = instance;
            }
        }
        if (!existing[i])
            ++needed;
    }
    if (!service && m_registry.dynamicServicesLeft() <= 0) {
        return failure(QStringLiteral("registry full: %1 dynamic services")
                           .arg(m_registry.reserve().maxDynamicServices));
    }
    if (needed > m_registry.dynamicInstancesLeft()) {
        return failure(QStringLiteral("registry full: %1 dynamic instances (%2 needed, %3 left)")
                           .arg(m_registry.reserve().maxDynamicInstances)
                           .arg(needed)
                           .arg(m_registry.dynamicInstancesLeft()));
    }

    const bool created = !service;
    if (created)
        service = m_registry.createService(name);
    DynamicRegistration result;
    result.ok = true;
    for (size_t i = 0; i < endpoints.size(); ++i) {
        const Endpoint &endpoint = endpoints[i];
        UpstreamInstance *serving = existing[i];
        if (serving && serving->isDraining()) {
            serving->setDraining(false);
            qCInfo(lcProxy).noquote()
                << "instance" << serving->id() << "of" << service->name << "back in service";
        } else if (!serving) {
            InstanceConfig config;
            config.id = uniqueId(service->name, endpoint.address.host, endpoint.address.port);
            config.url = endpoint.url;
            config.host = endpoint.address.host;
            config.port = endpoint.address.port;
            config.capabilities = wanted;
            const ServiceConfig &settings = service->settings;
            serving = m_registry.addInstance(*service, config,
                                             [this, &settings](UpstreamInstance &instance) {
                                                 m_runtime.prepareInstance(instance, settings);
                                             });
            Q_ASSERT(serving); // the reserve was checked above
            qCInfo(lcProxy).noquote() << "instance" << serving->id() << "registered for"
                                      << service->name << "at" << serving->url();
        }
        // Only now, so that the address is never without an instance in between.
        for (UpstreamInstance *other : instancesAt(*service, endpoint.address)) {
            if (other != serving && !other->isDraining()) {
                other->setDraining(true);
                qCInfo(lcProxy).noquote()
                    << "instance" << other->id() << "of" << service->name << "drained: replaced by"
                    << serving->id() << "with other capabilities";
            }
        }
        result.instanceIds.append(serving->id());
    }
    if (created) {
        m_registry.publishService(*service);
        qCInfo(lcProxy).noquote() << "service" << service->name
                                  << "registered, matched by X-Target-Service and Host";
    }
    return result;
}

DynamicRegistration DynamicRegistrar::drainInstances(const QString &serviceName,
                                                     const QStringList &urls) {
    ServiceEntry *service = m_registry.findService(serviceName.trimmed());
    if (!service)
        return failure(QStringLiteral("unknown service %1").arg(quoted(serviceName.trimmed())));
    std::vector<UpstreamInstance *> targets;
    if (urls.isEmpty()) {
        for (UpstreamInstance *instance : service->instances) {
            if (instance->isDynamic())
                targets.push_back(instance);
        }
    } else {
        std::vector<Endpoint> endpoints;
        if (QString error = parseEndpoints(urls, endpoints); !error.isEmpty())
            return failure(error);
        for (const Endpoint &endpoint : endpoints) {
            const std::vector<UpstreamInstance *> at = instancesAt(*service, endpoint.address);
            if (at.empty()) {
                return failure(QStringLiteral("service %1 has no instance at %2")
                                   .arg(quoted(service->name), endpoint.url));
            }
            targets.insert(targets.end(), at.begin(), at.end());
        }
    }
    DynamicRegistration result;
    result.ok = true;
    for (UpstreamInstance *instance : targets) {
        if (!instance->isDraining()) {
            instance->setDraining(true);
            qCInfo(lcProxy).noquote() << "instance" << instance->id() << "of" << service->name
                                      << "draining: no new requests";
        }
        result.instanceIds.append(instance->id());
    }
    return result;
}

QString DynamicRegistrar::uniqueId(const QString &service, const QString &host,
                                   quint16 port) const {
    QString base = service + QLatin1Char('-');
    for (const QChar c : host) // an IPv6 address's colons are not id characters
        base += c.isLetterOrNumber() || c == QLatin1Char('.') || c == QLatin1Char('-')
                    ? c
                    : QLatin1Char('_');
    base += QLatin1Char('-') + QString::number(port);
    QString id = base;
    for (int n = 2; m_registry.hasInstanceId(id); ++n)
        id = base + QLatin1Char('-') + QString::number(n);
    return id;
}

} // namespace ToolCapture

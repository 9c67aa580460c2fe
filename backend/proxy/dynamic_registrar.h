#pragma once

#include <QString>
#include <QStringList>

namespace ToolCapture {

class ServiceRegistry;
class UpstreamRuntime;

// What a registration or a drain did: the instances it concerned, or why it did nothing.
struct DynamicRegistration {
    bool ok = false;
    QString error;           // set when !ok; nothing was changed then
    QStringList instanceIds; // registered, taken back into service, or drained
};

// Adds upstream instances and services while the proxy runs, and drains them, for the lifecycle
// hooks (service_started, service_stopped). Each request is checked whole before anything
// changes. New instances take reserved slots (ServiceRegistry::reserve()): their runtime state
// is set up first, then the registry publishes them, so the workers, which take no lock, see an
// instance completely or not at all. A drained instance keeps its slot; registering its address
// again with the same capabilities takes it back into service, with other capabilities a new
// instance replaces it (an instance's capabilities never change under a reading worker).
// Engine thread only.
class DynamicRegistrar {
public:
    DynamicRegistrar(ServiceRegistry &registry, UpstreamRuntime &runtime);

    // `service`: a configured service (its instances join it and use its settings) or a new name
    // (a new service with the global settings, matched by X-Target-Service and by Host equal to
    // its name). `urls`: "http://host:port". Ids are "<service>-<host>-<port>", made unique.
    DynamicRegistration registerInstances(const QString &service, const QStringList &urls,
                                          const QStringList &capabilities);
    // Stops routing new requests to the instances of `service` at `urls`, or to all its dynamic
    // instances when `urls` is empty; requests in flight finish.
    DynamicRegistration drainInstances(const QString &service, const QStringList &urls);

private:
    QString uniqueId(const QString &service, const QString &host, quint16 port) const;

    ServiceRegistry &m_registry;
    UpstreamRuntime &m_runtime;
};

} // namespace ToolCapture

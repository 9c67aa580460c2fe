#pragma once

#include <QString>
#include <QStringList>

namespace ToolCapture {

// What a registry did with the endpoints of a lifecycle report.
struct RegistrationResult {
    bool ok = false;
    QString error;           // why not, when !ok: shown to the reporting service
    QStringList instanceIds; // the instances registered or drained
};

// Where HookReceiver hands the endpoints that services announce when they start and stop; the
// engine implements it over the proxy's service registry. Called on the HookReceiver's thread.
class Registrar {
public:
    virtual ~Registrar() = default;
    // Adds each URL as an instance of the service with those capabilities.
    virtual RegistrationResult registerEndpoints(const QString &service, const QStringList &urls,
                                                 const QStringList &capabilities) = 0;
    // Stops sending new requests to those instances of the service; urls empty: to all of them.
    virtual RegistrationResult drainEndpoints(const QString &service, const QStringList &urls) = 0;
};

} // namespace ToolCapture

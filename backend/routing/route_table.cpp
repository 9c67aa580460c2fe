#include <backend/routing/route_table.h>

#include <algorithm>

namespace ToolCapture {

RouteTable::RouteTable(const ServiceRegistry &registry)
    : m_registry(registry) {
    for (const ServiceEntry &service : registry.services()) {
        if (!service.match.pathPrefix.isEmpty())
            m_byPrefix.push_back(&service);
    }
    std::stable_sort(m_byPrefix.begin(), m_byPrefix.end(), [](const auto *a, const auto *b) {
        return a->match.pathPrefix.size() > b->match.pathPrefix.size();
    });
}

const ServiceEntry *RouteTable::match(const RequestHead &head) const {
    const auto &services = m_registry.services();
    if (const HttpHeader *target = findHeader(head.headers, "x-target-service")) {
        const QByteArray name = target->value.trimmed();
        for (const ServiceEntry &service : services) {
            if (equalsIgnoreCase(service.nameBytes, name))
                return &service;
        }
        return nullptr; // an explicit target that does not exist is not guessed at
    }
    if (const HttpHeader *host = findHeader(head.headers, "host")) {
        QByteArrayView name = host->value;
        if (!name.startsWith('[')) { // "[::1]:80" has no service names; skip IPv6 literals
            const qsizetype colon = name.indexOf(':');
            if (colon >= 0)
                name = name.first(colon);
        }
        for (const ServiceEntry &service : services) {
            if (!service.match.host.isEmpty() && equalsIgnoreCase(service.match.host, name))
                return &service;
        }
    }
    const QByteArrayView path = head.path();
    for (const ServiceEntry *service : m_byPrefix) {
        if (path.startsWith(service->match.pathPrefix))
            return service;
    }
    return nullptr;
}

} // namespace ToolCapture

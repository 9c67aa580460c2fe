#pragma once

#include <backend/http/http_message.h>
#include <backend/routing/service_registry.h>

#include <vector>

namespace ToolCapture {

// Which service a request is for: the X-Target-Service header names it, else the Host header
// (port ignored) matches a service's host, else the longest matching path prefix wins. Services
// registered while running are seen as soon as they are published; their host is their name
// and they have no path prefix.
class RouteTable {
public:
    explicit RouteTable(const ServiceRegistry &registry);

    // The service, or nullptr when nothing matches.
    const ServiceEntry *match(const RequestHead &head) const;

private:
    const ServiceRegistry &m_registry;
    std::vector<const ServiceEntry *> m_byPrefix; // longest prefix first
};

} // namespace ToolCapture

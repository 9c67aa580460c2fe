#pragma once

#include <backend/http/http_message.h>

#include <QHash>
#include <QRandomGenerator>

namespace ToolCapture {

// One request of the generated demo traffic.
struct DemoRequest {
    QByteArray method;
    QByteArray target;
    HttpHeaders headers; // besides Host, User-Agent, Accept and Content-Length
    QByteArray body;
};

// Draws the demo traffic: a weighted mix over the demo services that looks like a shop's
// traffic (mostly reads, some reservations and quotes, a few misses and conflicts), replays
// ETags it has seen on half of the catalog reads, and sometimes routes by X-Target-Service.
// Not thread-safe: used by one TrafficGenerator.
class DemoRequestMix {
public:
    explicit DemoRequestMix(quint32 seed);

    DemoRequest next();
    // Remembers validators from a response to `request` (at most one per catalog target).
    void observeResponse(const DemoRequest &request, const ResponseHead &head);

private:
    QByteArray randomSku(int unknownPercent);
    bool chance(int percent);

    QRandomGenerator m_random;
    QHash<QByteArray, QByteArray> m_etags; // catalog target -> last ETag seen
};

} // namespace ToolCapture

#include <backend/cache/stored_response.h>

#include <QDataStream>
#include <QIODevice>

#include <algorithm>

namespace ToolCapture {

namespace {

// "TCR" and a format version: a record from another version is a miss, never misread.
constexpr quint32 kMagic = 0x54435201;
// Bounds a corrupted record cannot make us exceed.
constexpr quint32 kMaxHeaders = 1000;

} // namespace

QByteArray StoredResponse::toBytes() const {
    QByteArray bytes;
    bytes.reserve(body.size() + 512);
    QDataStream out(&bytes, QIODevice::WriteOnly);
    out.setVersion(QDataStream::Qt_6_4);
    out << kMagic << qint32(status) << reason << quint32(headers.size());
    for (const HttpHeader &header : headers)
        out << header.name << header.value;
    out << body << qint64(requestTime.time_since_epoch().count())
        << qint64(responseTime.time_since_epoch().count()) << qint64(lifetime.value.count())
        << qint32(lifetime.source) << qint32(ttlSource) << secondaryKey << operation;
    return bytes;
}

std::shared_ptr<StoredResponse> StoredResponse::fromBytes(QByteArrayView bytes) {
    const QByteArray copy = QByteArray::fromRawData(bytes.data(), bytes.size());
    QDataStream in(copy);
    in.setVersion(QDataStream::Qt_6_4);
    quint32 magic = 0;
    in >> magic;
    if (magic != kMagic)
        return nullptr;
    auto response = std::make_shared<StoredResponse>();
    qint32 status = 0;
    quint32 count = 0;
    in >> status >> response->reason >> count;
    if (in.status() != QDataStream::Ok || count > kMaxHeaders || status < 100 || status > 999)
        return nullptr;
    response->status = status;
    response->headers.resize(count);
    for (HttpHeader &header : response->headers)
        in >> header.name >> header.value;
    qint64 requested = 0, responded = 0, lifetime = 0;
    qint32 source = 0, ttlSource = 0;
    in >> response->body >> requested >> responded >> lifetime >> source >> ttlSource >>
        response->secondaryKey >> response->operation;
    if (in.status() != QDataStream::Ok || !in.atEnd() || source < 0 ||
        source > qint32(FreshnessSource::None) || ttlSource < 0 ||
        ttlSource > qint32(TtlSource::Learned))
        return nullptr;
    response->requestTime = HttpTime(std::chrono::seconds(requested));
    response->responseTime = HttpTime(std::chrono::seconds(responded));
    response->lifetime = {std::chrono::seconds(lifetime), FreshnessSource(source)};
    response->ttlSource = TtlSource(ttlSource);
    response->control = CacheControl::parseResponse(response->headers);
    return response;
}

std::chrono::seconds StoredResponse::currentAge(HttpTime now) const {
    std::int64_t initial = m_initialAge.seconds.load(std::memory_order_relaxed);
    if (initial < 0) {
        initial = Freshness::age(headers, requestTime, responseTime, responseTime)
                      .correctedInitialAge.count();
        m_initialAge.seconds.store(initial, std::memory_order_relaxed);
    }
    return std::chrono::seconds(initial) + std::max(std::chrono::seconds(0), now - responseTime);
}

} // namespace ToolCapture

#include <backend/demo/demo_data.h>
#include <backend/demo/demo_request_mix.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QUuid>

namespace ToolCapture {

namespace {

enum class Kind {
    InventoryItem,
    InventoryList,
    Reservation,
    PricingQuote,
    RoutedQuote, // X-Target-Service: pricing, path without the service prefix
    CatalogProduct,
    CatalogList,
};

struct Weighted {
    Kind kind;
    int weight; // out of 100
};

// Inventory is 40 of 100, item reads 28 of those 40 (70 %).
constexpr Weighted mix[] = {
    {Kind::InventoryItem, 28}, {Kind::InventoryList, 4}, {Kind::Reservation, 8},
    {Kind::PricingQuote, 20},  {Kind::RoutedQuote, 5},   {Kind::CatalogProduct, 30},
    {Kind::CatalogList, 5},
};

constexpr int correlationPercent = 30;
constexpr int replayEtagPercent = 50;

} // namespace

DemoRequestMix::DemoRequestMix(quint32 seed)
    : m_random(seed) {}

bool DemoRequestMix::chance(int percent) {
    return int(m_random.bounded(100)) < percent;
}

QByteArray DemoRequestMix::randomSku(int unknownPercent) {
    if (chance(unknownPercent))
        return "SKU-" + QByteArray::number(9000 + m_random.bounded(100));
    const auto &items = demoItems();
    return items[size_t(m_random.bounded(quint32(items.size())))].sku;
}

DemoRequest DemoRequestMix::next() {
    int roll = int(m_random.bounded(100));
    Kind kind = Kind::InventoryItem;
    for (const Weighted &entry : mix) {
        if (roll < entry.weight) {
            kind = entry.kind;
            break;
        }
        roll -= entry.weight;
    }

    DemoRequest request;
    request.method = "GET";
    switch (kind) {
    case Kind::InventoryItem:
        request.target = "/inventory/items/" + randomSku(3);
        break;
    case Kind::InventoryList:
        request.target = "/inventory/items";
        break;
    case Kind::Reservation: {
        request.method = "POST";
        request.target = "/inventory/reservations";
        // Now and then more than any warehouse holds: a 409.
        const int quantity = chance(5) ? 500 : 1 + int(m_random.bounded(5));
        const QJsonObject body{{QStringLiteral("sku"), QString::fromLatin1(randomSku(2))},
                               {QStringLiteral("quantity"), quantity}};
        request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
        request.headers.push_back({"Content-Type", "application/json"});
        break;
    }
    case Kind::PricingQuote:
    case Kind::RoutedQuote: {
        const QByteArray query =
            "quote?sku=" + randomSku(2) + "&qty=" + QByteArray::number(1 + m_random.bounded(150));
        if (kind == Kind::PricingQuote) {
            request.target = "/pricing/" + query;
        } else {
            request.target = '/' + query;
            request.headers.push_back({"X-Target-Service", "pricing"});
        }
        break;
    }
    case Kind::CatalogProduct:
        request.target = "/catalog/products/" + randomSku(0);
        break;
    case Kind::CatalogList:
        request.target = "/catalog/products";
        break;
    }

    if (kind == Kind::CatalogProduct || kind == Kind::CatalogList) {
        const auto etag = m_etags.constFind(request.target);
        if (etag != m_etags.cend() && chance(replayEtagPercent))
            request.headers.push_back({"If-None-Match", etag.value()});
    }
    if (chance(correlationPercent)) {
        request.headers.push_back(
            {"X-Correlation-ID", QUuid::createUuid().toByteArray(QUuid::WithoutBraces)});
    }
    return request;
}

void DemoRequestMix::observeResponse(const DemoRequest &request, const ResponseHead &head) {
    if (!request.target.startsWith("/catalog/"))
        return;
    if (const HttpHeader *etag = findHeader(head.headers, "ETag"))
        m_etags.insert(request.target, etag->value);
}

} // namespace ToolCapture

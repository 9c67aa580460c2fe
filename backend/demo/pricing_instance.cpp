#include <backend/demo/demo_data.h>
#include <backend/demo/pricing_instance.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>

#include <algorithm>
#include <cmath>

namespace ToolCapture {

namespace {

constexpr int maxQuantity = 1000;

} // namespace

PricingInstance::PricingInstance(QString id, QStringList capabilities, double failureRate,
                                 quint32 seed, QObject *parent)
    : DemoInstance(std::move(id), std::move(capabilities), parent)
    , m_random(seed) {
    setFailureRate(failureRate);
}

void PricingInstance::setFailureRate(double rate, FailureSpread spread) {
    m_failureRate = std::clamp(rate, 0.0, 1.0);
    m_spread = spread;
    m_evenPermille = int(std::lround(m_failureRate * 1000.0));
    m_evenOwed = 0;
}

bool PricingInstance::fails() {
    if (m_spread == FailureSpread::Even) {
        // Integer error diffusion: exact over any run whose share is whole.
        m_evenOwed += m_evenPermille;
        if (m_evenOwed < 1000)
            return false;
        m_evenOwed -= 1000;
        return true;
    }
    return m_failureRate > 0 && m_random.generateDouble() < m_failureRate;
}

HttpResponse PricingInstance::handle(const HttpRequest &request) {
    const QByteArrayView path = request.head.path();
    if (path != "/pricing/quote" && path != "/quote")
        return notFound(request);
    if (request.head.method != "GET")
        return methodNotAllowed(request, "GET");
    // Drawn for every API request, before any validation, so the share is exact.
    if (fails()) {
        return HttpResponse::problem(500, "pricing engine failed (injected demo failure)",
                                     correlationId(request));
    }
    return quote(request);
}

HttpResponse PricingInstance::quote(const HttpRequest &request) {
    const QByteArray correlation = correlationId(request);
    const qsizetype queryStart = request.head.target.indexOf('?');
    const QUrlQuery query(
        queryStart < 0 ? QString() : QString::fromUtf8(request.head.target.mid(queryStart + 1)));
    const QByteArray sku = query.queryItemValue(QStringLiteral("sku"), QUrl::FullyDecoded).toUtf8();
    if (sku.isEmpty())
        return HttpResponse::problem(400, "query parameter sku is required", correlation);
    const DemoItem *item = findDemoItem(sku);
    if (!item)
        return HttpResponse::problem(404, "unknown SKU " + sku, correlation);

    int quantity = 1;
    if (query.hasQueryItem(QStringLiteral("qty"))) {
        bool ok = false;
        quantity = query.queryItemValue(QStringLiteral("qty")).toInt(&ok);
        if (!ok || quantity <= 0 || quantity > maxQuantity) {
            return HttpResponse::problem(
                400, "qty must be an integer from 1 to " + QByteArray::number(maxQuantity),
                correlation);
        }
    }
    // A volume discount, so quotes for different quantities differ in more than the product.
    const int discountPercent = quantity >= 100 ? 10 : quantity >= 10 ? 5 : 0;
    const qint64 totalCents =
        qint64(item->unitPriceCents) * quantity * (100 - discountPercent) / 100;
    const QJsonObject body{{QStringLiteral("sku"), QString::fromLatin1(item->sku)},
                           {QStringLiteral("quantity"), quantity},
                           {QStringLiteral("unit_price"), item->unitPriceCents / 100.0},
                           {QStringLiteral("discount_percent"), discountPercent},
                           {QStringLiteral("total"), double(totalCents) / 100.0},
                           {QStringLiteral("currency"), QStringLiteral("EUR")},
                           {QStringLiteral("served_by"), id()}};
    return HttpResponse::json(200, QJsonDocument(body).toJson(QJsonDocument::Compact));
}

} // namespace ToolCapture

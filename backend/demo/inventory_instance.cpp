#include <backend/demo/demo_data.h>
#include <backend/demo/inventory_instance.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace ToolCapture {

namespace {

constexpr QByteArrayView itemsPath = "/inventory/items";
constexpr QByteArrayView reservationsPath = "/inventory/reservations";

QJsonObject itemJson(const DemoItem &item, const QString &servedBy) {
    return QJsonObject{{QStringLiteral("sku"), QString::fromLatin1(item.sku)},
                       {QStringLiteral("name"), QString::fromUtf8(item.name)},
                       {QStringLiteral("quantity"), item.quantity},
                       {QStringLiteral("warehouse"), QString::fromLatin1(item.warehouse)},
                       {QStringLiteral("served_by"), servedBy}};
}

QByteArray compact(const QJsonObject &object) {
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace

HttpResponse InventoryInstance::handle(const HttpRequest &request) {
    const QByteArrayView path = request.head.path();
    const QByteArray &method = request.head.method;

    if (path == itemsPath) {
        if (method != "GET")
            return methodNotAllowed(request, "GET");
        QJsonArray items;
        for (const DemoItem &item : demoItems())
            items.append(itemJson(item, id()));
        return HttpResponse::json(200, compact(QJsonObject{{QStringLiteral("items"), items},
                                                           {QStringLiteral("served_by"), id()}}));
    }
    if (path.startsWith(itemsPath) && path.size() > itemsPath.size() + 1 &&
        path.at(itemsPath.size()) == '/') {
        if (method != "GET")
            return methodNotAllowed(request, "GET");
        const QByteArrayView sku = path.sliced(itemsPath.size() + 1);
        const DemoItem *item = findDemoItem(sku);
        if (!item) {
            return HttpResponse::problem(404, "unknown SKU " + sku.toByteArray(),
                                         correlationId(request));
        }
        return HttpResponse::json(200, compact(itemJson(*item, id())));
    }
    if (path == reservationsPath) {
        if (method != "POST")
            return methodNotAllowed(request, "POST");
        return reserve(request);
    }
    return notFound(request);
}

HttpResponse InventoryInstance::reserve(const HttpRequest &request) {
    const QByteArray correlation = correlationId(request);
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(request.body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        const QByteArray why = parseError.error != QJsonParseError::NoError
                                   ? parseError.errorString().toUtf8()
                                   : QByteArray("not a JSON object");
        return HttpResponse::problem(400, "request body is not valid JSON: " + why, correlation);
    }
    const QJsonObject body = document.object();
    const QJsonValue sku = body.value(QStringLiteral("sku"));
    const QJsonValue quantity = body.value(QStringLiteral("quantity"));
    if (!sku.isString())
        return HttpResponse::problem(400, "\"sku\" must be a string", correlation);
    if (!quantity.isDouble() || quantity.toDouble() != double(quantity.toInt()) ||
        quantity.toInt() <= 0) {
        return HttpResponse::problem(400, "\"quantity\" must be a positive integer", correlation);
    }
    const QByteArray skuBytes = sku.toString().toUtf8();
    const DemoItem *item = findDemoItem(skuBytes);
    if (!item)
        return HttpResponse::problem(404, "unknown SKU " + skuBytes, correlation);
    if (quantity.toInt() > item->quantity) {
        return HttpResponse::problem(
            409, "only " + QByteArray::number(item->quantity) + " of " + skuBytes + " in stock",
            correlation);
    }

    const QString reservationId = QStringLiteral("%1-r%2").arg(id()).arg(++m_reservations);
    const QJsonObject reservation{
        {QStringLiteral("reservation_id"), reservationId},
        {QStringLiteral("sku"), sku.toString()},
        {QStringLiteral("quantity"), quantity.toInt()},
        {QStringLiteral("warehouse"), QString::fromLatin1(item->warehouse)},
        {QStringLiteral("served_by"), id()}};
    HttpResponse response = HttpResponse::json(201, compact(reservation));
    response.headers.push_back(
        {"Location", reservationsPath.toByteArray() + '/' + reservationId.toUtf8()});
    return response;
}

} // namespace ToolCapture

#include <backend/demo/catalog_instance.h>
#include <backend/demo/demo_data.h>

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QTimeZone>

namespace ToolCapture {

namespace {

constexpr QByteArrayView productsPath = "/catalog/products";
const QString httpDateFormat = QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'");

QJsonObject productJson(const DemoItem &item) {
    // No instance id in the body: both instances must produce the same representation (and
    // so the same ETag); X-Served-By says who answered.
    return QJsonObject{{QStringLiteral("id"), QString::fromLatin1(item.sku)},
                       {QStringLiteral("name"), QString::fromUtf8(item.name)},
                       {QStringLiteral("category"), QString::fromLatin1(item.category)},
                       {QStringLiteral("list_price"), item.unitPriceCents / 100.0},
                       {QStringLiteral("currency"), QStringLiteral("EUR")}};
}

QByteArray httpDate(const QDateTime &time) {
    return QLocale::c().toString(time.toUTC(), httpDateFormat).toLatin1();
}

// Weak comparison (RFC 9110 section 13.1.2): W/ prefixes are ignored; "*" matches anything.
bool etagListMatches(QByteArrayView list, QByteArrayView etag) {
    for (QByteArrayView candidate : QByteArray(list.toByteArray()).split(',')) {
        candidate = candidate.trimmed();
        if (candidate == "*")
            return true;
        if (candidate.startsWith("W/"))
            candidate = candidate.sliced(2);
        if (candidate == etag)
            return true;
    }
    return false;
}

} // namespace

CatalogInstance::CatalogInstance(QString id, QStringList capabilities, QDateTime lastModified,
                                 QObject *parent)
    : DemoInstance(std::move(id), std::move(capabilities), parent)
    , m_lastModified(lastModified.toUTC()) {
    // HTTP dates have whole seconds.
    m_lastModified.setTime(m_lastModified.time().addMSecs(-m_lastModified.time().msec()));
}

HttpResponse CatalogInstance::handle(const HttpRequest &request) {
    const QByteArrayView path = request.head.path();
    const bool isList = path == productsPath;
    const bool isProduct = path.startsWith(productsPath) && path.size() > productsPath.size() + 1 &&
                           path.at(productsPath.size()) == '/';
    if (!isList && !isProduct)
        return notFound(request);
    if (request.head.method != "GET")
        return methodNotAllowed(request, "GET");

    if (isList) {
        QJsonArray products;
        for (const DemoItem &item : demoItems())
            products.append(productJson(item));
        const QJsonObject body{{QStringLiteral("products"), products}};
        return cacheable(request, QJsonDocument(body).toJson(QJsonDocument::Compact), 10);
    }
    const QByteArrayView productId = path.sliced(productsPath.size() + 1);
    const DemoItem *item = findDemoItem(productId);
    if (!item) {
        return HttpResponse::problem(404, "unknown product " + productId.toByteArray(),
                                     correlationId(request));
    }
    return cacheable(request, QJsonDocument(productJson(*item)).toJson(QJsonDocument::Compact), 30);
}

HttpResponse CatalogInstance::cacheable(const HttpRequest &request, QByteArray body,
                                        int maxAgeSeconds) const {
    const QByteArray etag =
        '"' + QCryptographicHash::hash(body, QCryptographicHash::Sha256).toHex().left(20) + '"';
    const HttpHeaders validators{
        {"Cache-Control", "public, max-age=" + QByteArray::number(maxAgeSeconds)},
        {"ETag", etag},
        {"Last-Modified", httpDate(m_lastModified)},
    };

    bool notModified = false;
    if (const HttpHeader *ifNoneMatch = findHeader(request.head.headers, "If-None-Match")) {
        notModified = etagListMatches(ifNoneMatch->value, etag);
    } else if (const HttpHeader *ifModifiedSince =
                   findHeader(request.head.headers, "If-Modified-Since")) {
        QDateTime since =
            QLocale::c().toDateTime(QString::fromLatin1(ifModifiedSince->value), httpDateFormat);
        if (since.isValid()) {
            since.setTimeZone(QTimeZone::utc());
            notModified = m_lastModified <= since;
        }
    }

    HttpResponse response;
    if (notModified) {
        response.status = 304;
    } else {
        response = HttpResponse::json(200, std::move(body));
    }
    response.headers.insert(response.headers.end(), validators.begin(), validators.end());
    return response;
}

} // namespace ToolCapture

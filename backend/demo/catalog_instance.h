#pragma once

#include <backend/demo/demo_instance.h>

#include <QDateTime>

namespace ToolCapture {

// A demo catalog upstream with cacheable answers, for the response cache to work on:
//   GET /catalog/products        the list, Cache-Control: public, max-age=10
//   GET /catalog/products/{sku}  one product, Cache-Control: public, max-age=30
// Both carry a strong ETag (a hash of the body, the same on every instance) and Last-Modified,
// and answer 304 Not Modified to a matching If-None-Match (or, without one, to an
// If-Modified-Since not older than Last-Modified).
// Lives in the thread that created it.
class CatalogInstance : public DemoInstance {
    Q_OBJECT
public:
    CatalogInstance(QString id, QStringList capabilities, QDateTime lastModified,
                    QObject *parent = nullptr);

protected:
    // DemoInstance
    HttpResponse handle(const HttpRequest &request) override;

private:
    HttpResponse cacheable(const HttpRequest &request, QByteArray body, int maxAgeSeconds) const;

    QDateTime m_lastModified;
};

} // namespace ToolCapture

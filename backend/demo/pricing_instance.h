#pragma once

#include <backend/demo/demo_instance.h>

#include <QRandomGenerator>

namespace ToolCapture {

// A demo pricing upstream: GET /pricing/quote?sku=X&qty=N (also /quote for requests routed by
// X-Target-Service without the prefix) -> a JSON price. Fails a given share of its API requests
// with 500 problem+json, drawn from a seeded generator so the share is reproducible; /health
// always answers 200 (the instance is up, its answers are bad).
// Lives in the thread that created it.
class PricingInstance : public DemoInstance {
    Q_OBJECT
public:
    PricingInstance(QString id, QStringList capabilities, double failureRate, quint32 seed,
                    QObject *parent = nullptr);

    double failureRate() const { return m_failureRate; }

protected:
    // DemoInstance
    HttpResponse handle(const HttpRequest &request) override;

private:
    HttpResponse quote(const HttpRequest &request);

    double m_failureRate = 0;
    QRandomGenerator m_random;
};

} // namespace ToolCapture

#pragma once

#include <backend/demo/demo_instance.h>

#include <QRandomGenerator>

namespace ToolCapture {

// A demo pricing upstream: GET /pricing/quote?sku=X&qty=N (also /quote for requests routed by
// X-Target-Service without the prefix) -> a JSON price. Fails a given share of its API requests
// with 500 problem+json, drawn from a seeded generator so the share is reproducible, or spread
// evenly (a breaker's window then sees the same rate every time); /health always answers 200
// (the instance is up, its answers are bad). The rate can change while it runs.
// Lives in the thread that created it.
class PricingInstance : public DemoInstance {
    Q_OBJECT
public:
    // How the failing share is chosen among the requests.
    enum class FailureSpread {
        Random, // drawn from the seeded generator: the share holds over many requests
        Even,   // spread evenly: any run of n requests fails round(n * rate) of them, give or
                // take one (exactly n * rate when that is whole), never two in a row below 0.5
    };

    PricingInstance(QString id, QStringList capabilities, double failureRate, quint32 seed,
                    QObject *parent = nullptr);

    double failureRate() const { return m_failureRate; }
    FailureSpread failureSpread() const { return m_spread; }
    // From the next request on; `rate` is clamped to 0..1 (kept to 1/1000 with Even).
    void setFailureRate(double rate, FailureSpread spread = FailureSpread::Random);

protected:
    // DemoInstance
    HttpResponse handle(const HttpRequest &request) override;

private:
    HttpResponse quote(const HttpRequest &request);

    bool fails();

    double m_failureRate = 0;
    FailureSpread m_spread = FailureSpread::Random;
    QRandomGenerator m_random;
    int m_evenPermille = 0; // Even: the rate, and the share owed so far (error diffusion)
    int m_evenOwed = 0;
};

} // namespace ToolCapture

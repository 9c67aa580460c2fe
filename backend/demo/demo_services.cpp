#include <backend/core/logging.h>
#include <backend/demo/catalog_instance.h>
#include <backend/demo/demo_services.h>
#include <backend/demo/inventory_instance.h>
#include <backend/demo/pricing_instance.h>

#include <QDateTime>

namespace ToolCapture {

namespace {

// Fixed, so a demo run fails the same requests every time.
constexpr quint32 pricingFailureSeed = 0x5eed2024;

} // namespace

DemoServices::DemoServices(Options options, QObject *parent)
    : QObject(parent)
    , m_options(options) {}

DemoServices::~DemoServices() {
    stop();
}

void DemoServices::createInstances() {
    m_services.clear();

    Service inventory{QStringLiteral("inventory"), "/inventory/", {}};
    inventory.instances.push_back(std::make_unique<InventoryInstance>(
        QStringLiteral("inventory-1"), QStringList{QStringLiteral("v1"), QStringLiteral("v2")}));
    inventory.instances.push_back(std::make_unique<InventoryInstance>(
        QStringLiteral("inventory-2"), QStringList{QStringLiteral("v2")}));
    auto slow = std::make_unique<InventoryInstance>(QStringLiteral("inventory-3"),
                                                    QStringList{QStringLiteral("v1")});
    slow->setResponseDelay(m_options.slowDelay);
    inventory.instances.push_back(std::move(slow));
    m_services.push_back(std::move(inventory));

    Service pricing{QStringLiteral("pricing"), "/pricing/", {}};
    pricing.instances.push_back(std::make_unique<PricingInstance>(
        QStringLiteral("pricing-1"), QStringList{}, 0.0, pricingFailureSeed));
    pricing.instances.push_back(
        std::make_unique<PricingInstance>(QStringLiteral("pricing-2"), QStringList{},
                                          m_options.pricingFailureRate, pricingFailureSeed));
    m_services.push_back(std::move(pricing));

    // The catalog "changed" when the demo started; both instances agree on it.
    const QDateTime lastModified = QDateTime::currentDateTimeUtc();
    Service catalog{QStringLiteral("catalog"), "/catalog/", {}};
    catalog.instances.push_back(std::make_unique<CatalogInstance>(QStringLiteral("catalog-1"),
                                                                  QStringList{}, lastModified));
    catalog.instances.push_back(std::make_unique<CatalogInstance>(QStringLiteral("catalog-2"),
                                                                  QStringList{}, lastModified));
    m_services.push_back(std::move(catalog));
}

bool DemoServices::start(QString *error) {
    if (m_running)
        return true;
    if (m_services.empty())
        createInstances();
    const QHostAddress loopback(QHostAddress::LocalHost);
    for (const Service &service : m_services) {
        for (const auto &instance : service.instances) {
            QString why;
            if (!instance->listen(loopback, &why)) {
                if (error) {
                    *error = QStringLiteral("demo service %1: cannot listen on %2: %3")
                                 .arg(instance->id(), loopback.toString(), why);
                }
                m_running = true;
                stop();
                return false;
            }
            qCInfo(lcDemo).noquote() << "demo service" << instance->id() << "on"
                                     << QStringLiteral("%1:%2")
                                            .arg(instance->address().toString())
                                            .arg(instance->port());
        }
    }
    m_running = true;
    return true;
}

void DemoServices::stop() {
    if (!m_running)
        return;
    m_running = false;
    for (const Service &service : m_services) {
        for (const auto &instance : service.instances)
            instance->close();
    }
}

std::vector<ServiceConfig> DemoServices::services() const {
    std::vector<ServiceConfig> result;
    if (!m_running)
        return result;
    for (const Service &service : m_services) {
        ServiceConfig config;
        config.name = service.name;
        config.match.pathPrefix = service.pathPrefix;
        for (const auto &instance : service.instances) {
            InstanceConfig instanceConfig;
            instanceConfig.id = instance->id();
            instanceConfig.url = instance->url();
            instanceConfig.host = instance->address().toString();
            instanceConfig.port = instance->port();
            instanceConfig.capabilities = instance->capabilities();
            config.instances.push_back(std::move(instanceConfig));
        }
        result.push_back(std::move(config));
    }
    return result;
}

DemoInstance *DemoServices::find(const QString &instanceId) const {
    for (const Service &service : m_services) {
        for (const auto &instance : service.instances) {
            if (instance->id() == instanceId)
                return instance.get();
        }
    }
    return nullptr;
}

quint64 DemoServices::requestsServed(const QString &instanceId) const {
    const DemoInstance *instance = find(instanceId);
    return instance ? instance->requestsServed() : 0;
}

bool DemoServices::setResponseDelay(const QString &instanceId, std::chrono::milliseconds delay) {
    DemoInstance *instance = find(instanceId);
    if (!instance)
        return false;
    instance->setResponseDelay(delay);
    return true;
}

bool DemoServices::setFailureRate(const QString &instanceId, double rate, bool evenlySpread) {
    auto *pricing = qobject_cast<PricingInstance *>(find(instanceId));
    if (!pricing)
        return false;
    pricing->setFailureRate(rate, evenlySpread ? PricingInstance::FailureSpread::Even
                                               : PricingInstance::FailureSpread::Random);
    return true;
}

} // namespace ToolCapture

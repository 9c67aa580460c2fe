#include <backend/core/logging.h>
#include <backend/demo/demo_data.h>
#include <backend/demo/hook_traffic.h>

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <cmath>

namespace ToolCapture {

namespace {

QString timestamp(const QDateTime &time) {
    return time.toString(Qt::ISODateWithMs);
}

QString latin1(const QByteArray &bytes) {
    return QString::fromLatin1(bytes);
}

// The demo services announce themselves, with capabilities they declare.
QJsonObject lifecycleMetadata() {
    return {{QStringLiteral("discovery_method"), QStringLiteral("hook")},
            {QStringLiteral("registration_automatic"), true},
            {QStringLiteral("capability_extraction"), QStringLiteral("declared")}};
}

} // namespace

struct HookTrafficProfile {
    enum class Kind { Inventory, Pricing, Catalog, Generic };
    const char *service; // nullptr: any other service
    Kind kind;
    const char *operation;
    const char *version;
    QStringList capabilities;
    QStringList dependencies; // kept only when that service runs too
    int minMs;
    int maxMs;
    double failureRate;
    const char *errors[2];
};

namespace {

using ProfileKind = HookTrafficProfile::Kind;

// NOTE: one execution in ten fails on average (the services are picked evenly); the catalog
// search is the slow one.
const std::vector<HookTrafficProfile> &profiles() {
    static const std::vector<HookTrafficProfile> all{
        {"inventory",
         ProfileKind::Inventory,
         "stock_lookup",
         "2.3.1",
         {QStringLiteral("read"), QStringLiteral("stock")},
         {},
         20,
         120,
         0.05,
         {"warehouse feed stale", "sku not found"}},
        {"pricing",
         ProfileKind::Pricing,
         "quote",
         "1.8.0",
         {QStringLiteral("read"), QStringLiteral("quote"), QStringLiteral("currency")},
         {QStringLiteral("inventory")},
         40,
         220,
         0.15,
         {"exchange rate feed timed out", "no price for sku"}},
        {"catalog",
         ProfileKind::Catalog,
         "search",
         "3.0.4",
         {QStringLiteral("read"), QStringLiteral("search")},
         {QStringLiteral("inventory"), QStringLiteral("pricing")},
         120,
         400,
         0.10,
         {"index shard unavailable", "query too broad"}},
        {nullptr,
         ProfileKind::Generic,
         "invoke",
         "1.0.0",
         {QStringLiteral("read")},
         {},
         20,
         200,
         0.10,
         {"upstream error", "timed out"}},
    };
    return all;
}

const HookTrafficProfile *profileFor(const QString &service) {
    for (const HookTrafficProfile &profile : profiles()) {
        if (!profile.service || service == QLatin1String(profile.service))
            return &profile;
    }
    return &profiles().back();
}

QJsonObject signatureOf(ProfileKind kind) {
    const auto object = [](std::initializer_list<std::pair<const char *, const char *>> fields) {
        QJsonObject result;
        for (const auto &[name, type] : fields)
            result.insert(QLatin1String(name), QLatin1String(type));
        return result;
    };
    switch (kind) {
    case ProfileKind::Inventory:
        return {
            {QStringLiteral("parameters"), object({{"sku", "string"}, {"warehouse", "string"}})},
            {QStringLiteral("returns"),
             object({{"sku", "string"}, {"available", "integer"}, {"reserved", "integer"}})}};
    case ProfileKind::Pricing:
        return {{QStringLiteral("parameters"),
                 object({{"sku", "string"}, {"quantity", "integer"}, {"currency", "string"}})},
                {QStringLiteral("returns"),
                 object({{"unit_price", "number"}, {"total", "number"}, {"currency", "string"}})}};
    case ProfileKind::Catalog:
        return {{QStringLiteral("parameters"), object({{"query", "string"}, {"limit", "integer"}})},
                {QStringLiteral("returns"), object({{"hits", "integer"}, {"skus", "array"}})}};
    case ProfileKind::Generic:
        break;
    }
    return {{QStringLiteral("parameters"), object({{"request", "integer"}})},
            {QStringLiteral("returns"), object({{"ok", "boolean"}})}};
}

} // namespace

HookTrafficGenerator::HookTrafficGenerator(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_random(m_options.seed ? *m_options.seed : QRandomGenerator::global()->generate())
    , m_network(new QNetworkAccessManager(this))
    , m_ticker(new QTimer(this))
    , m_healthTimer(new QTimer(this)) {
    // The admin API may listen on every address; the hooks go to this machine's.
    if (m_options.address == QHostAddress::Any || m_options.address == QHostAddress::AnyIPv4)
        m_options.address = QHostAddress(QHostAddress::LocalHost);
    else if (m_options.address == QHostAddress::AnyIPv6)
        m_options.address = QHostAddress(QHostAddress::LocalHostIPv6);
    m_options.maxInFlight = std::max(1, m_options.maxInFlight);
    for (const QString &service : std::as_const(m_options.services))
        m_profiles.push_back(profileFor(service));
    m_degraded.assign(m_profiles.size(), false);
    // A system proxy must not see loopback hook traffic.
    m_network->setProxy(QNetworkProxy::NoProxy);
    m_ticker->setTimerType(Qt::PreciseTimer);
    connect(m_ticker, &QTimer::timeout, this, &HookTrafficGenerator::onTick);
    connect(m_healthTimer, &QTimer::timeout, this, &HookTrafficGenerator::sendHealthChange);
}

HookTrafficGenerator::~HookTrafficGenerator() {
    stop();
}

void HookTrafficGenerator::start() {
    if (m_running || m_options.services.isEmpty() || !(m_options.executionsPerSecond > 0))
        return;
    m_running = true;
    qCInfo(lcDemo).noquote()
        << "demo hooks:" << m_options.executionsPerSecond << "executions/s of"
        << m_options.services.join(QStringLiteral(", ")) << "to"
        << QStringLiteral("%1:%2").arg(m_options.address.toString()).arg(m_options.port);
    sendStartup();
}

void HookTrafficGenerator::stop() {
    if (!m_running)
        return;
    m_running = false;
    m_ticker->stop();
    m_healthTimer->stop();
    m_startupPending = 0;
    for (auto &[id, execution] : m_executions)
        delete execution.timer;
    m_executions.clear();
    // Moved out first: abort() finishes the reply at once.
    const std::vector<QNetworkReply *> replies = std::exchange(m_replies, {});
    for (QNetworkReply *reply : replies) {
        disconnect(reply, nullptr, this, nullptr);
        reply->abort();
        reply->deleteLater();
    }
}

void HookTrafficGenerator::sendStartup() {
    const int count = int(m_options.services.size());
    m_startupPending = 2 * count;
    const auto startupAnswered = [this](bool) {
        if (--m_startupPending > 0)
            return;
        // Executions start once every tool and service is announced, so the bus tells them in
        // that order.
        m_slots = 0;
        m_clock.start();
        const double interval = std::clamp(1000.0 / m_options.executionsPerSecond, 5.0, 1000.0);
        m_ticker->start(int(interval));
        if (m_options.healthChangeInterval.count() > 0)
            m_healthTimer->start(m_options.healthChangeInterval);
    };
    for (int i = 0; i < count; ++i) {
        const QString &service = m_options.services[i];
        const Profile &profile = *m_profiles[size_t(i)];
        const QJsonObject info = serviceInfo(i);
        QJsonArray predictions{
            QJsonObject{{QStringLiteral("window"), QStringLiteral("1m")},
                        {QStringLiteral("expected_calls"),
                         std::round(m_options.executionsPerSecond * 60.0 / count)}}};
        const QJsonObject tool{
            {QStringLiteral("event_type"), QStringLiteral("tool_registered")},
            {QStringLiteral("tool_info"),
             QJsonObject{
                 {QStringLiteral("name"), service + u'.' + QLatin1String(profile.operation)},
                 {QStringLiteral("service_source"), service},
                 {QStringLiteral("capabilities"), QJsonArray::fromStringList(profile.capabilities)},
                 {QStringLiteral("signature"), signatureOf(profile.kind)},
                 {QStringLiteral("metadata"),
                  QJsonObject{{QStringLiteral("version"), QLatin1String(profile.version)},
                              {QStringLiteral("origin"), QStringLiteral("demo")}}}}},
            {QStringLiteral("registration_method"), QStringLiteral("automatic")},
            {QStringLiteral("intelligence_metadata"),
             QJsonObject{{QStringLiteral("usage_predictions"), predictions},
                         {QStringLiteral("integration_opportunities"),
                          info.value(QStringLiteral("dependencies"))}}}};
        post("/tools/register", tool, startupAnswered);
        // NOTE: no endpoints: the demo services are configured already, and announcing them
        // would register every instance a second time.
        const QJsonObject started{
            {QStringLiteral("event_type"), QStringLiteral("service_started")},
            {QStringLiteral("timestamp"), timestamp(QDateTime::currentDateTimeUtc())},
            {QStringLiteral("service_info"), info},
            {QStringLiteral("intelligence_metadata"), lifecycleMetadata()}};
        post("/hooks/lifecycle", started, startupAnswered);
    }
}

QJsonObject HookTrafficGenerator::serviceInfo(int serviceIndex) const {
    const Profile &profile = *m_profiles[size_t(serviceIndex)];
    QStringList dependencies;
    for (const QString &dependency : profile.dependencies) {
        if (m_options.services.contains(dependency))
            dependencies << dependency;
    }
    return {{QStringLiteral("name"), m_options.services[serviceIndex]},
            {QStringLiteral("version"), QLatin1String(profile.version)},
            {QStringLiteral("capabilities"), QJsonArray::fromStringList(profile.capabilities)},
            {QStringLiteral("endpoints"), QJsonArray()},
            {QStringLiteral("dependencies"), QJsonArray::fromStringList(dependencies)}};
}

void HookTrafficGenerator::sendHealthChange() {
    const int index = int(m_random.bounded(quint32(m_profiles.size())));
    const bool wasDegraded = m_degraded[size_t(index)];
    m_degraded[size_t(index)] = !wasDegraded;
    const auto status = [](bool degraded) {
        return degraded ? QStringLiteral("degraded") : QStringLiteral("healthy");
    };
    const QJsonObject change{
        {QStringLiteral("event_type"), QStringLiteral("service_health_change")},
        {QStringLiteral("timestamp"), timestamp(QDateTime::currentDateTimeUtc())},
        {QStringLiteral("service_info"), serviceInfo(index)},
        {QStringLiteral("intelligence_metadata"), lifecycleMetadata()},
        {QStringLiteral("status"), status(!wasDegraded)},
        {QStringLiteral("previous_status"), status(wasDegraded)}};
    ++m_stats.healthChanges;
    post("/hooks/lifecycle", change, [](bool) {});
}

void HookTrafficGenerator::onTick() {
    // Slots are fixed by elapsed time, as in TrafficGenerator: a late tick catches up.
    const auto due =
        quint64(std::floor(double(m_clock.elapsed()) * m_options.executionsPerSecond / 1000.0)) + 1;
    while (m_slots < due && m_running) {
        ++m_slots;
        if (m_options.maxExecutions > 0 &&
            m_stats.executionsStarted + m_stats.executionsSkipped >= m_options.maxExecutions) {
            m_ticker->stop();
            return;
        }
        if (int(m_executions.size()) >= m_options.maxInFlight) {
            ++m_stats.executionsSkipped;
            continue;
        }
        startExecution();
    }
}

void HookTrafficGenerator::startExecution() {
    const quint64 id = m_nextExecution++;
    const int serviceIndex = int(m_random.bounded(quint32(m_profiles.size())));
    const Profile &profile = *m_profiles[size_t(serviceIndex)];
    const bool degraded = m_degraded[size_t(serviceIndex)];
    Execution execution;
    execution.correlationId = QUuid::createUuid();
    execution.profile = &profile;
    const double failureRate = degraded ? 2 * profile.failureRate : profile.failureRate;
    execution.success = m_random.generateDouble() >= failureRate;
    int delayMs = m_random.bounded(profile.minMs, profile.maxMs + 1);
    if (degraded)
        delayMs = std::min(400, 2 * delayMs);
    execution.timer = new QTimer(this);
    execution.timer->setSingleShot(true);
    // A coarse timer may fire up to 5 % early: the execution would be shorter than drawn.
    execution.timer->setTimerType(Qt::PreciseTimer);
    execution.timer->setInterval(delayMs);
    connect(execution.timer, &QTimer::timeout, this, [this, id] { finishExecution(id); });
    execution.parameters = parameters(profile);
    execution.started = QDateTime::currentDateTimeUtc();
    execution.elapsed.start();
    const QJsonObject pre{
        {QStringLiteral("correlation_id"), execution.correlationId.toString(QUuid::WithoutBraces)},
        {QStringLiteral("session_id"),
         QStringLiteral("demo-session-%1").arg(m_random.bounded(1, 9))},
        {QStringLiteral("service_name"), m_options.services[serviceIndex]},
        {QStringLiteral("operation"), QLatin1String(profile.operation)},
        {QStringLiteral("parameters"), execution.parameters},
        {QStringLiteral("timestamp"), timestamp(execution.started)}};
    m_executions.emplace(id, std::move(execution));
    ++m_stats.executionsStarted;
    // The simulated execution starts once the pre hook is answered, as a hooked service waits
    // for it: so the post hook can never overtake its pre hook on another connection.
    post("/hooks/pre", pre, [this, id](bool accepted) {
        const auto found = m_executions.find(id);
        if (found == m_executions.end())
            return;
        if (!accepted) {
            endExecution(id, false);
            return;
        }
        found->second.timer->start();
    });
}

void HookTrafficGenerator::finishExecution(quint64 id) {
    const auto found = m_executions.find(id);
    if (found == m_executions.end())
        return;
    Execution &execution = found->second;
    execution.timer->deleteLater();
    execution.timer = nullptr;
    // The pre hook's time plus a monotonic duration: a wall clock stepping back cannot make the
    // post hook end before its pre hook.
    const QDateTime finished = execution.started.addMSecs(execution.elapsed.elapsed());
    QJsonObject body{
        {QStringLiteral("correlation_id"), execution.correlationId.toString(QUuid::WithoutBraces)},
        {QStringLiteral("success"), execution.success},
        {QStringLiteral("timestamp"), timestamp(finished)}};
    if (execution.success) {
        body.insert(QStringLiteral("output"), output(*execution.profile, execution.parameters));
    } else {
        body.insert(QStringLiteral("error"),
                    QLatin1String(execution.profile->errors[m_random.bounded(2)]));
    }
    post("/hooks/post", body, [this, id](bool accepted) { endExecution(id, accepted); });
}

void HookTrafficGenerator::endExecution(quint64 id, bool completed) {
    const auto found = m_executions.find(id);
    if (found == m_executions.end())
        return;
    if (found->second.timer)
        found->second.timer->deleteLater();
    m_executions.erase(found);
    if (completed)
        ++m_stats.executionsCompleted;
    else
        ++m_stats.executionsFailed;
    emit executionFinished(completed);
}

QJsonObject HookTrafficGenerator::parameters(const Profile &profile) {
    const std::vector<DemoItem> &items = demoItems();
    const DemoItem &item = items[size_t(m_random.bounded(quint32(items.size())))];
    switch (profile.kind) {
    case ProfileKind::Inventory:
        return {{QStringLiteral("sku"), latin1(item.sku)},
                {QStringLiteral("warehouse"), latin1(item.warehouse)}};
    case ProfileKind::Pricing:
        return {{QStringLiteral("sku"), latin1(item.sku)},
                {QStringLiteral("quantity"), m_random.bounded(1, 21)},
                {QStringLiteral("currency"),
                 m_random.bounded(4) == 0 ? QStringLiteral("USD") : QStringLiteral("EUR")}};
    case ProfileKind::Catalog:
        return {{QStringLiteral("query"), latin1(item.category)},
                {QStringLiteral("limit"), 10 * m_random.bounded(1, 6)}};
    case ProfileKind::Generic:
        break;
    }
    return {{QStringLiteral("request"), m_random.bounded(1, 100000)}};
}

QJsonObject HookTrafficGenerator::output(const Profile &profile, const QJsonObject &parameters) {
    const QByteArray sku = parameters.value(QStringLiteral("sku")).toString().toLatin1();
    const DemoItem *item = findDemoItem(sku);
    switch (profile.kind) {
    case ProfileKind::Inventory: {
        const int available = item ? item->quantity : 0;
        return {{QStringLiteral("sku"), latin1(sku)},
                {QStringLiteral("available"), available},
                {QStringLiteral("reserved"), m_random.bounded(0, available / 4 + 1)}};
    }
    case ProfileKind::Pricing: {
        const double unitPrice = item ? item->unitPriceCents / 100.0 : 0.0;
        const int quantity = parameters.value(QStringLiteral("quantity")).toInt();
        return {{QStringLiteral("unit_price"), unitPrice},
                {QStringLiteral("total"), std::round(quantity * unitPrice * 100.0) / 100.0},
                {QStringLiteral("currency"), parameters.value(QStringLiteral("currency"))}};
    }
    case ProfileKind::Catalog: {
        const QString query = parameters.value(QStringLiteral("query")).toString();
        const int limit = parameters.value(QStringLiteral("limit")).toInt();
        QJsonArray skus;
        for (const DemoItem &candidate : demoItems()) {
            if (latin1(candidate.category) == query && skus.size() < limit)
                skus.append(latin1(candidate.sku));
        }
        return {{QStringLiteral("hits"), skus.size()}, {QStringLiteral("skus"), skus}};
    }
    case ProfileKind::Generic:
        break;
    }
    return {{QStringLiteral("ok"), true}};
}

void HookTrafficGenerator::post(const char *path, const QJsonObject &body, Reply done) {
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(m_options.address.toString());
    url.setPort(m_options.port);
    url.setPath(QLatin1String(path));
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader("X-API-Key", m_options.apiKey);
    request.setTransferTimeout(int(m_options.requestTimeout.count()));
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    QNetworkReply *reply =
        m_network->post(request, QJsonDocument(body).toJson(QJsonDocument::Compact));
    ++m_stats.sent;
    m_replies.push_back(reply);
    connect(reply, &QNetworkReply::finished, this,
            [this, reply, done = std::move(done)] { onReply(reply, done); });
}

void HookTrafficGenerator::onReply(QNetworkReply *reply, const Reply &done) {
    m_replies.erase(std::remove(m_replies.begin(), m_replies.end(), reply), m_replies.end());
    reply->deleteLater();
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    const QString path = reply->url().path();
    if (!status.isValid()) {
        ++m_stats.failed;
        const QString key = path + QStringLiteral(" unanswered");
        if (!m_reported.contains(key)) {
            m_reported.insert(key);
            qCWarning(lcDemo).noquote() << "demo hooks: no answer from the hook receiver to POST"
                                        << path << '(' << reply->errorString() << ')';
        }
        done(false);
        return;
    }
    const int code = status.toInt();
    ++m_stats.statusCounts[code];
    const bool accepted = code >= 200 && code < 300;
    if (accepted) {
        ++m_stats.accepted;
    } else {
        ++m_stats.rejected;
        reportRejection(path.toUtf8(), code, reply->readAll());
    }
    done(accepted);
}

void HookTrafficGenerator::reportRejection(QByteArrayView path, int status,
                                           const QByteArray &body) {
    // Once per endpoint and status: enough to see a schema mismatch or a wrong key without a
    // line per request.
    const QString key = QString::fromUtf8(path) + u' ' + QString::number(status);
    if (m_reported.contains(key))
        return;
    m_reported.insert(key);
    const QJsonObject problem = QJsonDocument::fromJson(body).object();
    QStringList details{problem.value(QStringLiteral("detail")).toString()};
    for (const QJsonValue &error : problem.value(QStringLiteral("errors")).toArray()) {
        const QJsonObject entry = error.toObject();
        details << entry.value(QStringLiteral("pointer")).toString() + QStringLiteral(": ") +
                       entry.value(QStringLiteral("detail")).toString();
    }
    qCWarning(lcDemo).noquote() << "demo hooks: the hook receiver answered" << status << "to POST"
                                << QString::fromUtf8(path) << '-'
                                << details.join(QStringLiteral("; "));
}

} // namespace ToolCapture

#include <backend/capture/capture_queue.h>
#include <backend/capture/capture_reader.h>
#include <backend/engine/capture_pipeline.h>
#include <backend/events/event_batch.h>
#include <backend/events/event_sink.h>

#include <QTemporaryDir>
#include <QTest>

#include <mutex>
#include <set>
#include <vector>

using namespace ToolCapture;

namespace {

constexpr int kPerService = 400;

// An exchange of `service` with both bodies kept by the worker.
CaptureRecord exchange(const QString &service, int n) {
    CaptureRecord r;
    r.correlationId = service.toUtf8() + "-corr-" + QByteArray::number(n);
    r.acceptedAtUs = 1714564800000000 + n;
    r.method = "POST";
    r.path = "/" + service.toUtf8() + "/items";
    r.status = 200;
    r.service = service;
    r.instance = service + QStringLiteral("-1");
    r.requestBody = "{\"n\":" + QByteArray::number(n) + "}";
    r.requestBytes = r.requestBody.size();
    r.responseBody = "{\"ok\":true}";
    r.responseBytes = r.responseBody.size();
    return r;
}

// Keeps what each handed-over batch held: its size in bytes and its events' keys.
class RecordingSink final : public EventSink {
public:
    void publish(OutgoingEvent) override {}
    void publishBatch(std::unique_ptr<EventBatch> batch) override {
        const std::lock_guard lock(m_mutex);
        m_batchBytes.push_back(batch->byteCount());
        for (std::size_t i = 0; i < batch->size(); ++i)
            m_keys.push_back(batch->view(batch->event(i).key).toByteArray());
    }
    std::vector<std::size_t> batchBytes() const {
        const std::lock_guard lock(m_mutex);
        return m_batchBytes;
    }
    std::vector<QByteArray> keys() const {
        const std::lock_guard lock(m_mutex);
        return m_keys;
    }

private:
    mutable std::mutex m_mutex;
    std::vector<std::size_t> m_batchBytes;
    std::vector<QByteArray> m_keys;
};

} // namespace

// CapturePipeline: capture.sample_rate and body_sample_rate, globally and per service, on the
// capture thread, against a real store.
class TestCapturePipeline : public QObject {
    Q_OBJECT

private slots:
    void sampling_data();
    void sampling();
    void drainSchedule_data();
    void drainSchedule();
    void largeDrainIsHandedOverInPieces();
};

void TestCapturePipeline::drainSchedule_data() {
    QTest::addColumn<int>("lastMs");
    QTest::addColumn<bool>("found");
    QTest::addColumn<int>("nextMs");
    const int busy = int(CapturePipeline::kDrainPeriod.count());
    const int idle = int(CapturePipeline::kIdleDrainPeriod.count());
    QVERIFY(busy < idle);
    QTest::newRow("busy stays busy") << busy << true << busy;
    QTest::newRow("first empty drain waits twice as long") << busy << false << 2 * busy;
    QTest::newRow("backing off doubles") << 4 * busy << false << 8 * busy;
    QTest::newRow("backing off stops at the idle period") << idle - 1 << false << idle;
    QTest::newRow("idle stays idle") << idle << false << idle;
    QTest::newRow("work after idle: back to busy at once") << idle << true << busy;
    QTest::newRow("work while backing off") << 2 * busy << true << busy;
    QTest::newRow("a wait below the period is raised to it") << 0 << false << busy;
}

void TestCapturePipeline::drainSchedule() {
    QFETCH(int, lastMs);
    QFETCH(bool, found);
    QFETCH(int, nextMs);
    QCOMPARE(CapturePipeline::nextDrainWait(std::chrono::milliseconds(lastMs), found).count(),
             nextMs);
}

void TestCapturePipeline::sampling_data() {
    QTest::addColumn<double>("rate");        // global
    QTest::addColumn<double>("bodyRate");    // global
    QTest::addColumn<double>("pricingRate"); // services.pricing.capture; < 0: none
    QTest::addColumn<double>("pricingBodyRate");
    QTest::newRow("default: everything") << 1.0 << 1.0 << -1.0 << 0.0;
    QTest::newRow("nothing") << 0.0 << 1.0 << -1.0 << 0.0;
    QTest::newRow("a quarter, no bodies") << 0.25 << 0.0 << -1.0 << 0.0;
    QTest::newRow("one service sampled, the other whole") << 1.0 << 1.0 << 0.1 << 1.0;
    QTest::newRow("one service without bodies") << 1.0 << 1.0 << 1.0 << 0.0;
    QTest::newRow("half with half the bodies") << 0.5 << 0.5 << -1.0 << 0.0;
}

void TestCapturePipeline::sampling() {
    QFETCH(double, rate);
    QFETCH(double, bodyRate);
    QFETCH(double, pricingRate);
    QFETCH(double, pricingBodyRate);
    QTemporaryDir dir;
    CaptureConfig config;
    config.storePath = dir.filePath(QStringLiteral("captures.sqlite"));
    config.sampling = {rate, bodyRate};
    if (pricingRate >= 0)
        config.serviceSampling.insert(QStringLiteral("pricing"), {pricingRate, pricingBodyRate});
    const auto samplingOf = [&](const QString &service) {
        return config.serviceSampling.value(service, config.sampling);
    };

    std::uint64_t expectedSampledOut = 0;
    {
        CapturePipeline pipeline(config, 1, nullptr);
        QString error;
        QVERIFY2(pipeline.start(&error), qPrintable(error));
        for (const QString &service : {QStringLiteral("inventory"), QStringLiteral("pricing")}) {
            for (int n = 0; n < kPerService; ++n)
                QVERIFY(pipeline.queue().push(0, exchange(service, n)));
        }
        pipeline.stop(); // drains what is queued
        const CapturePipeline::Stats stats = pipeline.stats();
        QCOMPARE(stats.queued, std::uint64_t(2 * kPerService));
        QCOMPARE(stats.stored + stats.sampledOut, std::uint64_t(2 * kPerService));
        expectedSampledOut = stats.sampledOut;
    }

    CaptureReader reader;
    QVERIFY(reader.open(config.storePath));
    std::uint64_t stored = 0;
    for (const QString &service : {QStringLiteral("inventory"), QStringLiteral("pricing")}) {
        const CaptureSampling sampling = samplingOf(service);
        CaptureQuery query;
        query.service = service;
        query.limit = CaptureQuery::kMaxLimit;
        const std::vector<CaptureRecord> records = reader.search(query);
        stored += records.size();
        int withBodies = 0;
        for (const CaptureRecord &r : records) {
            if (!r.requestBody.isEmpty()) {
                ++withBodies;
                QVERIFY(r.replayable);
                QVERIFY(!r.responseBody.isEmpty());
                QVERIFY(!r.responseBodyTruncated);
            } else {
                QVERIFY(!r.replayable); // the body was there: without it, no replay
                QVERIFY(r.responseBody.isEmpty());
                QVERIFY(r.responseBodyTruncated);
                QVERIFY(r.requestBytes > 0); // still counted
            }
        }
        const double kept = double(records.size()) / kPerService;
        // The draw is a hash of the correlation id: deterministic, and about uniform.
        if (sampling.sampleRate == 0.0 || sampling.sampleRate == 1.0)
            QCOMPARE(kept, sampling.sampleRate);
        else
            QVERIFY2(std::abs(kept - sampling.sampleRate) < 0.1,
                     qPrintable(QStringLiteral("%1: kept %2").arg(service).arg(kept)));
        if (records.empty())
            continue;
        const double bodies = double(withBodies) / double(records.size());
        if (sampling.bodySampleRate == 0.0 || sampling.bodySampleRate == 1.0)
            QCOMPARE(bodies, sampling.bodySampleRate);
        else
            QVERIFY2(std::abs(bodies - sampling.bodySampleRate) < 0.15,
                     qPrintable(QStringLiteral("%1: bodies %2").arg(service).arg(bodies)));
    }
    QCOMPARE(stored + expectedSampledOut, std::uint64_t(2 * kPerService));

    // The same exchanges sampled again decide alike.
    if (rate > 0 && rate < 1) {
        QTemporaryDir again;
        CaptureConfig copy = config;
        copy.storePath = again.filePath(QStringLiteral("captures.sqlite"));
        CapturePipeline pipeline(copy, 1, nullptr);
        QVERIFY(pipeline.start());
        for (int n = 0; n < kPerService; ++n)
            QVERIFY(pipeline.queue().push(0, exchange(QStringLiteral("inventory"), n)));
        pipeline.stop();
        CaptureReader first;
        QVERIFY(first.open(config.storePath));
        CaptureReader second;
        QVERIFY(second.open(copy.storePath));
        CaptureQuery query;
        query.service = QStringLiteral("inventory");
        query.limit = CaptureQuery::kMaxLimit;
        std::set<QByteArray> a;
        std::set<QByteArray> b;
        for (const CaptureRecord &r : first.search(query))
            a.insert(r.correlationId);
        for (const CaptureRecord &r : second.search(query))
            b.insert(r.correlationId);
        QVERIFY(a == b);
    }
}

void TestCapturePipeline::largeDrainIsHandedOverInPieces() {
    // Exchanges queued before the capture thread starts are all taken by its first drain. Their
    // events (three per exchange, about a kilobyte each) far exceed one batch's hand-over size:
    // they reach the sink in several batches, none much over the size, all of them in order.
    constexpr int kExchanges = 1000;
    QTemporaryDir dir;
    CaptureConfig config;
    config.storePath = dir.filePath(QStringLiteral("captures.sqlite"));
    RecordingSink sink;
    CapturePipeline pipeline(config, 1, &sink);
    for (int n = 0; n < kExchanges; ++n)
        QVERIFY(pipeline.queue().push(0, exchange(QStringLiteral("inventory"), n)));
    QString error;
    QVERIFY2(pipeline.start(&error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(pipeline.stats().published, std::uint64_t(3 * kExchanges), 10000);
    pipeline.stop();
    QCOMPARE(pipeline.stats().batches, std::uint64_t(1)); // one drain took them all

    const std::vector<std::size_t> sizes = sink.batchBytes();
    std::size_t total = 0;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        const std::size_t bytes = sizes[i];
        total += bytes;
        // Handed over as soon as it reached the size, not before (all but the drain's last):
        // at most one exchange's events beyond.
        QVERIFY2(bytes < EventBatch::kHandOverBytes + 16 * 1024,
                 qPrintable(QString::number(bytes)));
        if (i + 1 < sizes.size())
            QVERIFY2(bytes >= EventBatch::kHandOverBytes, qPrintable(QString::number(bytes)));
    }
    QVERIFY2(total > 2 * EventBatch::kHandOverBytes, qPrintable(QString::number(total)));

    const std::vector<QByteArray> keys = sink.keys();
    QCOMPARE(int(keys.size()), 3 * kExchanges);
    for (int n = 0; n < kExchanges; ++n) {
        const QByteArray id = exchange(QStringLiteral("inventory"), n).correlationId;
        for (int event = 0; event < 3; ++event)
            QCOMPARE(keys[std::size_t(3 * n + event)], id);
    }
}

QTEST_GUILESS_MAIN(TestCapturePipeline)
#include "tst_capture_pipeline.moc"

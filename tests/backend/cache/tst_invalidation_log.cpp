// Which fills an invalidation overtakes: keys, prefixes, everything, and a log that no longer
// reaches back far enough.
#include <backend/cache/invalidation_log.h>

#include <QTest>

#include <atomic>
#include <thread>

using namespace ToolCapture;

class TestInvalidationLog : public QObject {
    Q_OBJECT

private slots:
    void overtakes_data() {
        QTest::addColumn<QByteArrayList>("before"); // recorded before the fill began
        QTest::addColumn<QByteArrayList>("after");  // ... while it was upstream
        QTest::addColumn<bool>("overtaken");
        // Entries: "K <key>", "P <prefix>", "A".
        const QByteArray key = "svc http://test/items/1";
        QTest::newRow("nothing") << QByteArrayList{} << QByteArrayList{} << false;
        QTest::newRow("the key, before the fill")
            << QByteArrayList{"K " + key} << QByteArrayList{} << false;
        QTest::newRow("the key") << QByteArrayList{} << QByteArrayList{"K " + key} << true;
        QTest::newRow("another key")
            << QByteArrayList{} << QByteArrayList{"K svc http://test/items/2"} << false;
        QTest::newRow("a key the fill's key starts with")
            << QByteArrayList{} << QByteArrayList{"K svc http://test/items/"} << false;
        QTest::newRow("a longer key")
            << QByteArrayList{} << QByteArrayList{"K " + key + "0"} << false;
        QTest::newRow("the service") << QByteArrayList{} << QByteArrayList{"P svc "} << true;
        QTest::newRow("another service") << QByteArrayList{} << QByteArrayList{"P svc2 "} << false;
        QTest::newRow("a path prefix")
            << QByteArrayList{} << QByteArrayList{"P svc http://test/items/"} << true;
        QTest::newRow("everything") << QByteArrayList{} << QByteArrayList{"A"} << true;
        QTest::newRow("everything, before the fill")
            << QByteArrayList{"A"} << QByteArrayList{"K svc http://test/other"} << false;
        QTest::newRow("others, then the key")
            << QByteArrayList{}
            << QByteArrayList{"K svc http://test/a", "P svc2 ", "K " + key, "K svc http://test/b"}
            << true;
    }

    void overtakes() {
        QFETCH(QByteArrayList, before);
        QFETCH(QByteArrayList, after);
        QFETCH(bool, overtaken);
        InvalidationLog log;
        const auto record = [&log](const QByteArray &entry) {
            if (entry.startsWith("K "))
                log.recordKey(entry.sliced(2));
            else if (entry.startsWith("P "))
                log.recordPrefix(entry.sliced(2));
            else
                log.recordAll();
        };
        for (const QByteArray &entry : before)
            record(entry);
        const std::uint64_t since = log.generation();
        QCOMPARE(since, std::uint64_t(before.size()));
        for (const QByteArray &entry : after)
            record(entry);
        QCOMPARE(log.invalidatedSince(since, "svc http://test/items/1"), overtaken);
    }

    void aLogThatNoLongerReachesBackOvertakes_data() {
        QTest::addColumn<int>("others");
        QTest::addColumn<bool>("overtaken");
        QTest::newRow("as many as it holds") << int(InvalidationLog::kCapacity) << false;
        QTest::newRow("one more than it holds") << int(InvalidationLog::kCapacity) + 1 << true;
        QTest::newRow("three times as many") << int(InvalidationLog::kCapacity) * 3 << true;
    }

    void aLogThatNoLongerReachesBackOvertakes() {
        // Other keys only: the fill's key is not among them, but once the log has forgotten
        // what came after the fill began, it cannot say so.
        QFETCH(int, others);
        QFETCH(bool, overtaken);
        InvalidationLog log;
        log.recordKey("svc http://test/warm-up");
        const std::uint64_t since = log.generation();
        for (int i = 0; i < others; ++i)
            log.recordKey("svc http://test/other/" + QByteArray::number(i));
        QCOMPARE(log.invalidatedSince(since, "svc http://test/mine"), overtaken);
        // A fill that began now is not overtaken by what came before.
        QVERIFY(!log.invalidatedSince(log.generation(), "svc http://test/other/0"));
    }

    void recordsAndChecksFromSeveralThreads() {
        // Two threads record other keys while this one checks fills, some of whose keys it
        // records itself in between: a fill's own key recorded after it began is always found,
        // and a key nobody recorded is reported only when the log moved past its capacity.
        InvalidationLog log;
        std::atomic<bool> stop{false};
        const auto recorder = [&log, &stop](int id) {
            for (int i = 0; !stop.load(std::memory_order_relaxed); ++i)
                log.recordKey("svc http://test/" + QByteArray::number(id) + '/' +
                              QByteArray::number(i % 7));
        };
        std::thread a(recorder, 1);
        std::thread b(recorder, 2);
        QTRY_VERIFY(log.generation() > 2 * InvalidationLog::kCapacity); // both are running
        int found = 0;
        for (int i = 0; i < 20000; ++i) {
            const std::uint64_t since = log.generation();
            const QByteArray mine = "svc http://test/mine/" + QByteArray::number(i);
            if (i % 2 == 0) {
                log.recordKey(mine);
                QVERIFY(log.invalidatedSince(since, mine));
                ++found;
            } else {
                const bool overtaken = log.invalidatedSince(since, mine);
                const std::uint64_t after = log.generation();
                if (after - since <= InvalidationLog::kCapacity)
                    QVERIFY2(!overtaken, qPrintable(QString::number(after - since)));
            }
        }
        stop.store(true);
        a.join();
        b.join();
        QCOMPARE(found, 10000);
        QVERIFY(!log.invalidatedSince(log.generation(), "svc http://test/mine/0"));
    }
};

QTEST_GUILESS_MAIN(TestInvalidationLog)
#include "tst_invalidation_log.moc"

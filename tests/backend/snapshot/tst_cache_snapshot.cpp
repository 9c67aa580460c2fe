// The shared tier's state words, from the counts the proxy reports: what /health, /api/v1/status,
// /api/v1/cache/stats and the console's Cache view say.
#include <backend/snapshot/cache_snapshot.h>

#include <QTest>

using namespace ToolCapture;

class TestCacheSnapshot : public QObject {
    Q_OBJECT

private slots:
    void sharedState_data() {
        QTest::addColumn<bool>("sharedTier");
        QTest::addColumn<int>("connections");
        QTest::addColumn<int>("connected");
        QTest::addColumn<int>("starting");
        QTest::addColumn<QByteArray>("state");
        QTest::newRow("no shared tier") << false << 0 << 0 << 0 << QByteArray("none");
        QTest::newRow("not opened yet") << true << 0 << 0 << 0 << QByteArray("starting");
        QTest::newRow("first attempts under way") << true << 2 << 0 << 2 << QByteArray("starting");
        QTest::newRow("one failed, one under way") << true << 2 << 0 << 1 << QByteArray("down");
        QTest::newRow("all failed") << true << 2 << 0 << 0 << QByteArray("down");
        QTest::newRow("one ready, one under way") << true << 2 << 1 << 1 << QByteArray("partial");
        QTest::newRow("one ready, one failed") << true << 2 << 1 << 0 << QByteArray("partial");
        QTest::newRow("all ready") << true << 2 << 2 << 0 << QByteArray("connected");
    }

    void sharedState() {
        QFETCH(bool, sharedTier);
        QFETCH(int, connections);
        QFETCH(int, connected);
        QFETCH(int, starting);
        QFETCH(QByteArray, state);
        CacheSnapshot snapshot;
        snapshot.sharedTier = sharedTier;
        snapshot.shared.connections = connections;
        snapshot.shared.connected = connected;
        snapshot.shared.starting = starting;
        QCOMPARE(QByteArray(snapshot.sharedState()), state);
    }

    void invalidationState_data() {
        QTest::addColumn<bool>("sharedTier");
        QTest::addColumn<bool>("subscriber");
        QTest::addColumn<bool>("subscribed");
        QTest::addColumn<bool>("subscriberStarting");
        QTest::addColumn<QByteArray>("state");
        QTest::newRow("no shared tier") << false << false << false << false << QByteArray("none");
        QTest::newRow("not started") << true << false << false << false << QByteArray("starting");
        QTest::newRow("first attempt under way")
            << true << true << false << true << QByteArray("starting");
        QTest::newRow("first attempt failed")
            << true << true << false << false << QByteArray("down");
        QTest::newRow("subscribed") << true << true << true << false << QByteArray("subscribed");
    }

    void invalidationState() {
        QFETCH(bool, sharedTier);
        QFETCH(bool, subscriber);
        QFETCH(bool, subscribed);
        QFETCH(bool, subscriberStarting);
        QFETCH(QByteArray, state);
        CacheSnapshot snapshot;
        snapshot.sharedTier = sharedTier;
        snapshot.shared.subscriber = subscriber;
        snapshot.shared.subscribed = subscribed;
        snapshot.shared.subscriberStarting = subscriberStarting;
        QCOMPARE(QByteArray(snapshot.invalidationState()), state);
    }
};

QTEST_GUILESS_MAIN(TestCacheSnapshot)
#include "tst_cache_snapshot.moc"

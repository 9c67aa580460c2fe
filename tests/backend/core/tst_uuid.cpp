#include <backend/core/uuid.h>
#include <backend/proxy/correlation_id_generator.h>

#include <QSet>
#include <QTest>
#include <QUuid>

#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

using namespace ToolCapture;

// The UUIDs the proxy makes itself: RFC 9562's examples, the version and variant bits over the
// random ones, and version 7's order by time, which is what the stores' indexes rely on.
class TestUuid : public QObject {
    Q_OBJECT
private slots:
    void rfcExamples_data();
    void rfcExamples();
    void versionAndVariantOverRandomBits_data();
    void versionAndVariantOverRandomBits();
    void version7SortsByTime_data();
    void version7SortsByTime();
    void correlationIdsCarryTheirTime();
    void correlationIdWrittenInPlace_data();
    void correlationIdWrittenInPlace();
    void newV7IsNowAndUniqueAcrossThreads();
};

namespace {

QByteArray v4(std::uint64_t hi, std::uint64_t lo) {
    QByteArray out(36, '\0');
    formatUuidV4(hi, lo, out.data());
    return out;
}

QByteArray v7(std::int64_t millis, std::uint64_t randomA, std::uint64_t randomB) {
    QByteArray out(36, '\0');
    formatUuidV7(millis, randomA, randomB, out.data());
    return out;
}

} // namespace

void TestUuid::rfcExamples_data() {
    QTest::addColumn<QByteArray>("made");
    QTest::addColumn<QByteArray>("expected");
    // RFC 9562 appendix A.3 and A.6 (there in upper case; written here in lower case).
    QTest::newRow("A.3 version 4") << v4(0x919108f752d14320ull, 0x9bacf847db4148a8ull)
                                   << QByteArray("919108f7-52d1-4320-9bac-f847db4148a8");
    QTest::newRow("A.6 version 7") << v7(0x017F22E279B0ll, 0xCC3ull, 0x18C4DC0C0C07398Full)
                                   << QByteArray("017f22e2-79b0-7cc3-98c4-dc0c0c07398f");
}

void TestUuid::rfcExamples() {
    QFETCH(QByteArray, made);
    QFETCH(QByteArray, expected);
    QCOMPARE(made, expected);
    QCOMPARE(QUuid(made).toByteArray(QUuid::WithoutBraces), expected);
}

void TestUuid::versionAndVariantOverRandomBits_data() {
    QTest::addColumn<QByteArray>("made");
    QTest::addColumn<int>("version");
    QTest::addColumn<QByteArray>("expected");
    // All-ones and all-zeros random bits: the version nibble and the variant's two bits are the
    // generator's, whatever the random values hold there.
    QTest::newRow("v4 ones") << v4(~0ull, ~0ull) << 4
                             << QByteArray("ffffffff-ffff-4fff-bfff-ffffffffffff");
    QTest::newRow("v4 zeros") << v4(0, 0) << 4
                              << QByteArray("00000000-0000-4000-8000-000000000000");
    // Version 7 takes twelve bits of randomA; the rest of it must not reach the timestamp.
    QTest::newRow("v7 ones") << v7(0, ~0ull, ~0ull) << 7
                             << QByteArray("00000000-0000-7fff-bfff-ffffffffffff");
    QTest::newRow("v7 zeros") << v7(0xFFFFFFFFFFFFll, 0, 0) << 7
                              << QByteArray("ffffffff-ffff-7000-8000-000000000000");
}

void TestUuid::versionAndVariantOverRandomBits() {
    QFETCH(QByteArray, made);
    QFETCH(int, version);
    QFETCH(QByteArray, expected);
    QCOMPARE(made, expected);
    // The version nibble read from the text: Qt 6.4's QUuid::version() knows 1 to 5 only.
    QCOMPARE(made.at(14), char('0' + version));
    QCOMPARE(QUuid(made).variant(), QUuid::DCE);
}

void TestUuid::version7SortsByTime_data() {
    QTest::addColumn<std::int64_t>("earlier");
    QTest::addColumn<std::int64_t>("later");
    QTest::newRow("one millisecond") << std::int64_t(1714566896123) << std::int64_t(1714566896124);
    QTest::newRow("a carry into the next hex digit")
        << std::int64_t(0x018F3A7FFFFF) << std::int64_t(0x018F3A800000);
    QTest::newRow("a year") << std::int64_t(1714566896123) << std::int64_t(1746102896123);
}

void TestUuid::version7SortsByTime() {
    QFETCH(std::int64_t, earlier);
    QFETCH(std::int64_t, later);
    // The earlier id with the largest random bits, the later one with the smallest: as text
    // (how SQLite and the capture store compare them) the later still sorts after.
    const QByteArray first = v7(earlier, ~0ull, ~0ull);
    const QByteArray second = v7(later, 0, 0);
    QVERIFY2(first < second, (first + " >= " + second).constData());
    QVERIFY(QUuid(first) < QUuid(second));
}

void TestUuid::correlationIdsCarryTheirTime() {
    CorrelationIdGenerator generator;
    const std::int64_t millis = 1714566896123; // 0x018f342699fb
    QSet<QByteArray> ids;
    for (int i = 0; i < 2000; ++i) {
        const QByteArray id = generator.next(millis);
        QVERIFY2(id.startsWith("018f3426-99fb-7"), id.constData());
        QCOMPARE(QUuid(id).variant(), QUuid::DCE);
        ids.insert(id);
    }
    QCOMPARE(ids.size(), 2000); // 74 random bits: no two alike within the millisecond
    // Without a time given, now: between two readings of the system clock.
    const auto nowMillis = [] {
        using namespace std::chrono;
        return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    };
    const std::int64_t before = nowMillis();
    const QByteArray id = generator.next();
    const std::int64_t after = nowMillis();
    const QByteArray hex = id.left(8) + id.mid(9, 4);
    bool ok = false;
    const std::int64_t stamped = hex.toLongLong(&ok, 16);
    QVERIFY(ok);
    QVERIFY2(stamped >= before && stamped <= after,
             qPrintable(QStringLiteral("%1 not in [%2, %3]").arg(stamped).arg(before).arg(after)));
}

void TestUuid::correlationIdWrittenInPlace_data() {
    QTest::addColumn<QByteArray>("before");
    QTest::addColumn<bool>("shared");
    // What the session's buffer holds when the next exchange begins.
    QTest::newRow("null (the first exchange)") << QByteArray() << false;
    QTest::newRow("emptied, capacity kept") << QByteArray(64, 'x') << false;
    QTest::newRow("a client's id, also held elsewhere")
        << QByteArray("client-given-correlation-id") << true;
}

void TestUuid::correlationIdWrittenInPlace() {
    QFETCH(QByteArray, before);
    QFETCH(bool, shared);
    CorrelationIdGenerator generator;
    QByteArray id = before;
    const QByteArray other = shared ? id : QByteArray(); // a copy sharing id's buffer
    if (!shared) {
        id.detach();
        id.resize(0);
    }
    const auto nowMillis = [] {
        using namespace std::chrono;
        return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    };
    const std::int64_t start = nowMillis();
    generator.next(id);
    QCOMPARE(id.size(), 36);
    QCOMPARE(id.at(14), '7'); // the version nibble (Qt 6.4's QUuid::version() stops at 5)
    QCOMPARE(QUuid(id).variant(), QUuid::DCE);
    bool ok = false;
    const std::int64_t stamped = (id.left(8) + id.mid(9, 4)).toLongLong(&ok, 16);
    QVERIFY(ok);
    QVERIFY(stamped >= start && stamped <= nowMillis());
    // A copy that shared the buffer keeps its bytes.
    if (shared)
        QCOMPARE(other, QByteArray("client-given-correlation-id"));

    // From now on the buffer is the id's own: the next ids are written where it is.
    // (The ids seen are deep copies: a copy that shared the buffer would make the next write
    // take a new one, as it must.)
    const char *const buffer = id.constData();
    QSet<QByteArray> seen{QByteArray(id.constData(), id.size())};
    for (int i = 0; i < 100; ++i) {
        id.resize(0); // as the session empties it between exchanges
        generator.next(id);
        QVERIFY(id.constData() == buffer); // the same buffer, not a new one
        QCOMPARE(id.size(), 36);
        seen.insert(QByteArray(id.constData(), id.size()));
    }
    QCOMPARE(seen.size(), 101);
}

void TestUuid::newV7IsNowAndUniqueAcrossThreads() {
    // Each thread draws from its own generator: two threads' ids must still differ.
    constexpr int kPerThread = 5000;
    const auto nowMillis = [] {
        using namespace std::chrono;
        return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    };
    const std::int64_t before = nowMillis();
    std::vector<QByteArray> other;
    std::thread thread([&other] {
        for (int i = 0; i < kPerThread; ++i)
            other.push_back(Uuid::newV7());
    });
    std::vector<QByteArray> mine;
    for (int i = 0; i < kPerThread; ++i)
        mine.push_back(Uuid::newV7());
    thread.join();
    const std::int64_t after = nowMillis();
    QSet<QByteArray> ids;
    for (const std::vector<QByteArray> *list : {&mine, &other}) {
        for (const QByteArray &id : *list) {
            QCOMPARE(id.size(), 36);
            QCOMPARE(id.at(14), '7');
            const std::int64_t stamped = (id.left(8) + id.mid(9, 4)).toLongLong(nullptr, 16);
            QVERIFY(stamped >= before && stamped <= after);
            ids.insert(id);
        }
    }
    QCOMPARE(ids.size(), 2 * kPerThread);
}

QTEST_GUILESS_MAIN(TestUuid)
#include "tst_uuid.moc"

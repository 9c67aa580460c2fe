#include <backend/core/crc32c.h>
#include <backend/events/event_spool.h>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

using namespace ToolCapture;

namespace {

OutgoingEvent makeEvent(int i, int valueBytes = 40) {
    OutgoingEvent event;
    event.topic = "toolcapture.test";
    event.key = "key-" + QByteArray::number(i);
    QByteArray value = "{\"i\":" + QByteArray::number(i) + ",\"pad\":\"";
    value += QByteArray(std::max(0, valueBytes - int(value.size()) - 2), 'x');
    value += "\"}";
    event.value = value;
    event.ceId = "id-" + QByteArray::number(i);
    event.ceType = "com.toolcapture.test";
    event.ceSource = "/toolcapture/test";
    event.timeUs = 1'700'000'000'000'000 + i;
    return event;
}

bool sameEvent(const OutgoingEvent &a, const OutgoingEvent &b) {
    return a.topic == b.topic && a.key == b.key && a.value == b.value && a.ceId == b.ceId &&
           a.ceType == b.ceType && a.ceSource == b.ceSource && a.timeUs == b.timeUs;
}

// Reads (and commits) everything pending; returns the keys in order.
QList<QByteArray> drain(EventSpool &spool, int batch = 7) {
    QList<QByteArray> keys;
    SpoolPosition position = spool.committed();
    for (;;) {
        SpoolBatch read = spool.read(position, batch);
        for (const SpoolRecord &record : read.records)
            keys.append(record.event.key);
        if (read.next == position)
            break;
        position = read.next;
        spool.commit(position);
    }
    return keys;
}

QList<QByteArray> keyRange(int from, int to) {
    QList<QByteArray> keys;
    for (int i = from; i < to; ++i)
        keys.append("key-" + QByteArray::number(i));
    return keys;
}

QString onlySegment(const QString &dir) {
    const QStringList files = QDir(dir).entryList({QStringLiteral("*.spool")}, QDir::Files);
    return files.size() == 1 ? dir + QLatin1Char('/') + files.first() : QString();
}

} // namespace

class TestEventSpool : public QObject {
    Q_OBJECT

private slots:
    void payloadRoundTrip_data();
    void payloadRoundTrip();
    void roundTrip_data();
    void roundTrip();
    void restartResumesAtCursor_data();
    void restartResumesAtCursor();
    void tornTailIsTruncated_data();
    void tornTailIsTruncated();
    void corruptRecordIsSkippedAndCounted_data();
    void corruptRecordIsSkippedAndCounted();
    void corruptionFoundWhileReadingIsCountedOnce();
    void rotationDeletesConsumedSegments();
    void byteCapRefusesAndRecovers_data();
    void byteCapRefusesAndRecovers();
    void damagedCursorRereadsFromOldest();
};

void TestEventSpool::payloadRoundTrip_data() {
    QTest::addColumn<QByteArray>("value");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("json") << QByteArray("{\"a\":[1,2,3]}");
    QTest::newRow("binary") << QByteArray("\x00\xf3\x9a\xc7\x1e\xff", 6);
    QTest::newRow("large") << QByteArray(300000, 'v');
}

void TestEventSpool::payloadRoundTrip() {
    QFETCH(QByteArray, value);
    OutgoingEvent event = makeEvent(3);
    event.value = value;
    event.timeUs = -5; // before the epoch still round-trips
    const QByteArray payload = EventSpool::encodePayload(event);
    const std::optional<OutgoingEvent> decoded = EventSpool::decodePayload(payload);
    QVERIFY(decoded);
    QVERIFY(sameEvent(*decoded, event));
    QVERIFY(!EventSpool::decodePayload(payload.left(payload.size() - 1)));
    QVERIFY(!EventSpool::decodePayload(payload + 'x'));
    QVERIFY(!EventSpool::decodePayload(QByteArray()));
}

void TestEventSpool::roundTrip_data() {
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("valueBytes");
    QTest::addColumn<int>("batch");
    QTest::newRow("one") << 1 << 40 << 10;
    QTest::newRow("many small, batch 1") << 100 << 40 << 1;
    QTest::newRow("many small, batch 64") << 2000 << 40 << 64;
    QTest::newRow("large values") << 20 << 200000 << 3;
}

void TestEventSpool::roundTrip() {
    QFETCH(int, count);
    QFETCH(int, valueBytes);
    QFETCH(int, batch);
    QTemporaryDir dir;
    EventSpool spool;
    QString error;
    QVERIFY2(spool.open(dir.path(), std::int64_t(1) << 30, &error), qPrintable(error));
    QVERIFY(spool.empty());
    for (int i = 0; i < count; ++i)
        QVERIFY2(spool.append(makeEvent(i, valueBytes), &error), qPrintable(error));
    QVERIFY(!spool.empty());
    QCOMPARE(spool.pendingRecords(), std::uint64_t(count));
    QVERIFY(spool.pendingBytes() > std::int64_t(count) * valueBytes);

    SpoolPosition position = spool.committed();
    int seen = 0;
    while (seen < count) {
        const SpoolBatch read = spool.read(position, batch);
        QVERIFY(!read.records.empty());
        QVERIFY(int(read.records.size()) <= batch);
        if (int(read.records.size()) < batch)
            QVERIFY(read.atEnd);
        else
            QVERIFY(!read.atEnd);
        for (const SpoolRecord &record : read.records) {
            QVERIFY(sameEvent(record.event, makeEvent(seen, valueBytes)));
            ++seen;
        }
        position = read.next;
        QVERIFY(spool.commit(position, &error));
        QCOMPARE(spool.pendingRecords(), std::uint64_t(count - seen));
    }
    QVERIFY(spool.empty());
    QCOMPARE(spool.pendingBytes(), std::int64_t(0));
    const SpoolBatch none = spool.read(spool.committed(), 10);
    QVERIFY(none.records.empty());
    QVERIFY(none.atEnd);
    QVERIFY(none.next == spool.committed());
    QCOMPARE(spool.corruptRecords(), std::uint64_t(0));
}

void TestEventSpool::restartResumesAtCursor_data() {
    QTest::addColumn<int>("committedRecords");
    QTest::addColumn<int>("readButUncommitted");
    QTest::newRow("nothing committed") << 0 << 5;
    QTest::newRow("some committed") << 4 << 3;
    QTest::newRow("all but one committed") << 9 << 1;
    QTest::newRow("all committed") << 10 << 0;
}

void TestEventSpool::restartResumesAtCursor() {
    QFETCH(int, committedRecords);
    QFETCH(int, readButUncommitted);
    QTemporaryDir dir;
    {
        EventSpool spool;
        QVERIFY(spool.open(dir.path(), 1 << 20));
        for (int i = 0; i < 10; ++i)
            QVERIFY(spool.append(makeEvent(i)));
        const SpoolBatch read =
            spool.read(spool.committed(), committedRecords + readButUncommitted);
        QCOMPARE(int(read.records.size()), committedRecords + readButUncommitted);
        if (committedRecords > 0)
            QVERIFY(spool.commit(read.records[committedRecords - 1].end));
    }
    EventSpool reopened;
    QVERIFY(reopened.open(dir.path(), 1 << 20));
    QCOMPARE(reopened.pendingRecords(), std::uint64_t(10 - committedRecords));
    QCOMPARE(reopened.empty(), committedRecords == 10);
    QVERIFY(reopened.append(makeEvent(10)));
    QCOMPARE(drain(reopened), keyRange(committedRecords, 11));
    QCOMPARE(reopened.pendingRecords(), std::uint64_t(0));
}

void TestEventSpool::tornTailIsTruncated_data() {
    QTest::addColumn<QByteArray>("tail");
    const QByteArray payload = EventSpool::encodePayload(makeEvent(99));
    QByteArray record;
    record.resize(EventSpool::kHeaderBytes);
    qToLittleEndian(EventSpool::kMagic, record.data());
    qToLittleEndian(std::uint32_t(payload.size()), record.data() + 4);
    qToLittleEndian(crc32c(payload.constData(), std::size_t(payload.size())), record.data() + 8);
    record += payload;
    QTest::newRow("part of a magic") << record.left(2);
    QTest::newRow("part of a header") << record.left(EventSpool::kHeaderBytes - 3);
    QTest::newRow("header only") << record.left(EventSpool::kHeaderBytes);
    QTest::newRow("part of the payload") << record.left(record.size() - 1);
    QTest::newRow("zeros (page not written)") << QByteArray(500, '\0');
}

void TestEventSpool::tornTailIsTruncated() {
    QFETCH(QByteArray, tail);
    QTemporaryDir dir;
    qint64 intactSize = 0;
    {
        EventSpool spool;
        QVERIFY(spool.open(dir.path(), 1 << 20));
        for (int i = 0; i < 5; ++i)
            QVERIFY(spool.append(makeEvent(i)));
        intactSize = spool.pendingBytes();
    }
    const QString segment = onlySegment(dir.path());
    QVERIFY(!segment.isEmpty());
    {
        QFile file(segment);
        QVERIFY(file.open(QIODevice::Append));
        QCOMPARE(file.write(tail), tail.size());
    }
    EventSpool spool;
    QVERIFY(spool.open(dir.path(), 1 << 20));
    QCOMPARE(QFileInfo(segment).size(), intactSize);
    QCOMPARE(spool.pendingRecords(), std::uint64_t(5));
    QCOMPARE(spool.corruptRecords(), std::uint64_t(0));
    QVERIFY(spool.append(makeEvent(5)));
    QCOMPARE(drain(spool), keyRange(0, 6));
    QCOMPARE(spool.corruptRecords(), std::uint64_t(0));
}

void TestEventSpool::corruptRecordIsSkippedAndCounted_data() {
    QTest::addColumn<int>("victim");
    QTest::addColumn<int>("byteInRecord"); // negative: from the end of the record
    QTest::addColumn<QByteArray>("replacement");
    QTest::newRow("first record, magic") << 0 << 0 << QByteArray("XXXX");
    QTest::newRow("middle record, length too large") << 4 << 4 << QByteArray("\xff\xff\xff\x7f");
    QTest::newRow("middle record, length one short") << 4 << 4 << QByteArray(1, '\x10');
    QTest::newRow("middle record, checksum") << 5 << 8 << QByteArray("\x01\x02");
    QTest::newRow("middle record, payload byte") << 6 << 20 << QByteArray("Z");
    QTest::newRow("last but one record, last byte") << 8 << -1 << QByteArray("!");
}

void TestEventSpool::corruptRecordIsSkippedAndCounted() {
    QFETCH(int, victim);
    QFETCH(int, byteInRecord);
    QFETCH(QByteArray, replacement);
    QTemporaryDir dir;
    std::vector<std::int64_t> starts;
    {
        EventSpool spool;
        QVERIFY(spool.open(dir.path(), 1 << 20));
        for (int i = 0; i < 10; ++i) {
            starts.push_back(spool.pendingBytes());
            QVERIFY(spool.append(makeEvent(i)));
        }
        starts.push_back(spool.pendingBytes());
    }
    const QString segment = onlySegment(dir.path());
    {
        QFile file(segment);
        QVERIFY(file.open(QIODevice::ReadWrite));
        const std::int64_t at =
            byteInRecord >= 0 ? starts[victim] + byteInRecord : starts[victim + 1] + byteInRecord;
        QVERIFY(file.seek(at));
        QCOMPARE(file.write(replacement), replacement.size());
    }
    EventSpool spool;
    QVERIFY(spool.open(dir.path(), 1 << 20));
    QCOMPARE(spool.corruptRecords(), std::uint64_t(1));
    QCOMPARE(spool.pendingRecords(), std::uint64_t(9));
    QList<QByteArray> expected = keyRange(0, 10);
    expected.removeAt(victim);
    QCOMPARE(drain(spool), expected);
    QCOMPARE(spool.corruptRecords(), std::uint64_t(1));
    QVERIFY(spool.empty());
}

void TestEventSpool::corruptionFoundWhileReadingIsCountedOnce() {
    QTemporaryDir dir;
    EventSpool spool;
    QVERIFY(spool.open(dir.path(), 1 << 20));
    std::int64_t thirdRecord = 0;
    for (int i = 0; i < 6; ++i) {
        if (i == 2)
            thirdRecord = spool.pendingBytes();
        QVERIFY(spool.append(makeEvent(i)));
    }
    {
        QFile file(onlySegment(dir.path()));
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.seek(thirdRecord + EventSpool::kHeaderBytes + 3));
        QCOMPARE(file.write("#"), qint64(1));
    }
    const SpoolPosition start = spool.committed();
    for (int pass = 0; pass < 3; ++pass) {
        const SpoolBatch read = spool.read(start, 100);
        QCOMPARE(int(read.records.size()), 5);
        QCOMPARE(read.records[2].event.key, QByteArray("key-3"));
        QCOMPARE(spool.corruptRecords(), std::uint64_t(1));
    }
}

void TestEventSpool::rotationDeletesConsumedSegments() {
    QTemporaryDir dir;
    constexpr std::int64_t kSegmentBytes = 4096;
    EventSpool spool;
    QVERIFY(spool.open(dir.path(), 1 << 20, nullptr, kSegmentBytes));
    for (int i = 0; i < 100; ++i)
        QVERIFY(spool.append(makeEvent(i, 300)));
    const int segments = spool.segmentCount();
    QVERIFY2(segments >= 8, qPrintable(QString::number(segments)));
    QCOMPARE(QDir(dir.path()).entryList({QStringLiteral("*.spool")}).size(), segments);
    for (const QFileInfo &file : QDir(dir.path()).entryInfoList({QStringLiteral("*.spool")}))
        QVERIFY(file.size() <= kSegmentBytes);

    const SpoolBatch half = spool.read(spool.committed(), 50);
    QCOMPARE(int(half.records.size()), 50);
    QVERIFY(spool.commit(half.next));
    QVERIFY(spool.segmentCount() < segments);
    QVERIFY(spool.segmentCount() > 1);
    QCOMPARE(QDir(dir.path()).entryList({QStringLiteral("*.spool")}).size(), spool.segmentCount());

    // A restart in between: the cursor is in a later segment than the first file ever written.
    spool.close();
    QVERIFY(spool.open(dir.path(), 1 << 20, nullptr, kSegmentBytes));
    QCOMPARE(spool.pendingRecords(), std::uint64_t(50));
    QCOMPARE(drain(spool, 9), keyRange(50, 100));
    QCOMPARE(spool.segmentCount(), 1);
    QCOMPARE(QDir(dir.path()).entryList({QStringLiteral("*.spool")}).size(), 1);
    QCOMPARE(spool.pendingBytes(), std::int64_t(0));
}

void TestEventSpool::byteCapRefusesAndRecovers_data() {
    QTest::addColumn<int>("valueBytes");
    QTest::addColumn<int>("segmentBytes");
    QTest::newRow("one segment") << 100 << (1 << 20);
    QTest::newRow("many segments") << 100 << 1024;
    QTest::newRow("large records") << 3000 << 8192;
}

void TestEventSpool::byteCapRefusesAndRecovers() {
    QFETCH(int, valueBytes);
    QFETCH(int, segmentBytes);
    constexpr std::int64_t kCap = 16 << 10;
    QTemporaryDir dir;
    EventSpool spool;
    QVERIFY(spool.open(dir.path(), kCap, nullptr, segmentBytes));
    int accepted = 0;
    QString error;
    while (spool.append(makeEvent(accepted, valueBytes), &error))
        ++accepted;
    QVERIFY(error.contains(QLatin1String("full")));
    QVERIFY(accepted > 0);
    QVERIFY(spool.pendingBytes() <= kCap);
    QVERIFY(!spool.append(makeEvent(accepted, valueBytes)));

    const SpoolBatch read = spool.read(spool.committed(), 2);
    QCOMPARE(int(read.records.size()), 2);
    QVERIFY(spool.commit(read.next));
    QVERIFY(spool.append(makeEvent(accepted, valueBytes)));
    QVERIFY(spool.append(makeEvent(accepted + 1, valueBytes)));
    QVERIFY(!spool.append(makeEvent(accepted + 2, valueBytes)));
    QCOMPARE(drain(spool), keyRange(2, accepted + 2));
}

void TestEventSpool::damagedCursorRereadsFromOldest() {
    QTemporaryDir dir;
    {
        EventSpool spool;
        QVERIFY(spool.open(dir.path(), 1 << 20));
        for (int i = 0; i < 6; ++i)
            QVERIFY(spool.append(makeEvent(i)));
        QVERIFY(spool.commit(spool.read(spool.committed(), 4).next));
    }
    {
        QFile cursor(dir.filePath(QStringLiteral("cursor")));
        QVERIFY(cursor.open(QIODevice::ReadWrite));
        QVERIFY(cursor.seek(13));
        QCOMPARE(cursor.write("\x7f"), qint64(1));
    }
    EventSpool spool;
    QVERIFY(spool.open(dir.path(), 1 << 20));
    // At least once: the uncertain part is sent again rather than lost.
    QCOMPARE(drain(spool), keyRange(0, 6));
}

QTEST_GUILESS_MAIN(TestEventSpool)
#include "tst_event_spool.moc"

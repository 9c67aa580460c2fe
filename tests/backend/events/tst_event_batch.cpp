#include <backend/events/event_batch.h>
#include <backend/events/json_writer.h>

#include <QTest>

using namespace ToolCapture;

// EventBatch: events as spans of one buffer, as the capture thread writes them and the
// publisher reads them.
class TestEventBatch : public QObject {
    Q_OBJECT
private slots:
    void roundTrip_data();
    void roundTrip();
    void spansSurviveGrowth();
    void timeIsCeTime_data();
    void timeIsCeTime();
    void clearForgetsEveryEvent();
    void sharedTextIsWrittenOnce_data();
    void sharedTextIsWrittenOnce();
    void documentIsWrittenInPlace_data();
    void documentIsWrittenInPlace();
};

namespace {

OutgoingEvent makeEvent(int i, int valueBytes) {
    OutgoingEvent event;
    event.topic = "topic." + QByteArray::number(i % 3);
    event.key = i % 2 ? QByteArray() : "key-" + QByteArray::number(i);
    event.value = QByteArray(valueBytes, char('a' + i % 26));
    event.ceId = "id-" + QByteArray::number(i);
    event.ceType = "com.example.type" + QByteArray::number(i);
    event.ceSource = "/source";
    event.timeUs = 1714564800000000 + i;
    return event;
}

} // namespace

void TestEventBatch::roundTrip_data() {
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("valueBytes");
    QTest::newRow("one, empty value") << 1 << 0;
    QTest::newRow("ten, small values") << 10 << 100;
    QTest::newRow("500, values of 3000 bytes") << 500 << 3000;
}

void TestEventBatch::roundTrip() {
    QFETCH(int, count);
    QFETCH(int, valueBytes);
    EventBatch batch;
    for (int i = 0; i < count; ++i)
        batch.add(makeEvent(i, valueBytes));
    QCOMPARE(batch.size(), std::size_t(count));
    for (int i = 0; i < count; ++i) {
        const OutgoingEvent expected = makeEvent(i, valueBytes);
        const OutgoingEvent actual = batch.toOutgoingEvent(std::size_t(i));
        QCOMPARE(actual.topic, expected.topic);
        QCOMPARE(actual.key, expected.key);
        QCOMPARE(actual.value, expected.value);
        QCOMPARE(actual.ceId, expected.ceId);
        QCOMPARE(actual.ceType, expected.ceType);
        QCOMPARE(actual.ceSource, expected.ceSource);
        QCOMPARE(actual.timeUs, expected.timeUs);
        // The topic is a C string for librdkafka.
        const EventBatch::Event &e = batch.event(std::size_t(i));
        QCOMPARE(batch.data(e.topic)[e.topic.length], '\0');
        QCOMPARE(qstrlen(batch.data(e.topic)), uint(expected.topic.size()));
    }
}

void TestEventBatch::spansSurviveGrowth() {
    // Spans are offsets: written before the buffer grew, they read the same after.
    EventBatch batch;
    const EventBatch::Span first = batch.append("first");
    for (int i = 0; i < 10000; ++i)
        batch.append(QByteArray(100, 'x'));
    const EventBatch::Span last = batch.append("last");
    QCOMPARE(batch.view(first), QByteArrayView("first"));
    QCOMPARE(batch.view(last), QByteArrayView("last"));
    QCOMPARE(batch.byteCount(), std::size_t(5 + 10000 * 100 + 4));
}

void TestEventBatch::timeIsCeTime_data() {
    QTest::addColumn<qint64>("timeUs");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("epoch") << qint64(0) << QByteArray("1970-01-01T00:00:00.000000Z");
    QTest::newRow("2024") << qint64(1714566896126206) << QByteArray("2024-05-01T12:34:56.126206Z");
    QTest::newRow("leap day") << qint64(1709208000000001)
                              << QByteArray("2024-02-29T12:00:00.000001Z");
}

void TestEventBatch::timeIsCeTime() {
    QFETCH(qint64, timeUs);
    QFETCH(QByteArray, expected);
    EventBatch batch;
    batch.append("before");
    const EventBatch::Span time = batch.appendTime(timeUs);
    QCOMPARE(batch.view(time).toByteArray(), expected);
}

void TestEventBatch::clearForgetsEveryEvent() {
    EventBatch batch;
    for (int i = 0; i < 100; ++i)
        batch.add(makeEvent(i, 1000));
    batch.clear();
    QVERIFY(batch.empty());
    QCOMPARE(batch.byteCount(), std::size_t(0));
    batch.add(makeEvent(7, 10));
    QCOMPARE(batch.size(), std::size_t(1));
    QCOMPARE(batch.toOutgoingEvent(0).value, makeEvent(7, 10).value);
}

void TestEventBatch::sharedTextIsWrittenOnce_data() {
    QTest::addColumn<int>("texts");
    QTest::newRow("three, as the capture thread's topics") << 3;
    QTest::newRow("sixteen, every slot") << 16;
    QTest::newRow("forty, beyond the slots") << 40;
}

void TestEventBatch::sharedTextIsWrittenOnce() {
    QFETCH(int, texts);
    constexpr int kSlots = 16;
    const auto text = [](int i) { return "proxy.topic." + QByteArray::number(i); };
    EventBatch batch;
    for (int pass = 0; pass < 2; ++pass) {
        // Twice over the same batch, cleared in between: a span kept from before clear()
        // would point at bytes that are gone.
        std::vector<EventBatch::Span> first;
        for (int i = 0; i < texts; ++i) {
            batch.append("between"); // shared texts need not be next to each other
            first.push_back(batch.appendShared(text(i)));
        }
        const std::size_t bytes = batch.byteCount();
        for (int i = 0; i < texts; ++i) {
            const EventBatch::Span again = batch.appendShared(text(i));
            QCOMPARE(batch.view(again), QByteArrayView(text(i)));
            QCOMPARE(batch.data(again)[again.length], '\0'); // a C string, as topics must be
            if (i < kSlots)
                QCOMPARE(again.offset, first[std::size_t(i)].offset);
        }
        // Only the texts beyond the slots were written again.
        std::size_t beyond = 0;
        for (int i = kSlots; i < texts; ++i)
            beyond += std::size_t(text(i).size()) + 1;
        QCOMPARE(batch.byteCount(), bytes + beyond);
        batch.clear();
    }
}

void TestEventBatch::documentIsWrittenInPlace_data() {
    QTest::addColumn<int>("valueBytes");
    QTest::newRow("small") << 10;
    // Far beyond what the batch had room for: the buffer grows while the writer has it.
    QTest::newRow("grows while lent") << 300000;
}

void TestEventBatch::documentIsWrittenInPlace() {
    QFETCH(int, valueBytes);
    const QByteArray value(valueBytes, 'v');
    JsonWriter expected;
    expected.beginObject();
    expected.key("value");
    expected.string(value);
    expected.endObject();

    EventBatch batch;
    JsonWriter writer;
    writer.beginObject(); // what the writer held before is of no account afterwards
    const EventBatch::Span before = batch.append("before");
    for (int round = 0; round < 2; ++round) {
        batch.startDocument(writer);
        writer.beginObject();
        writer.key("value");
        writer.string(value);
        writer.endObject();
        const EventBatch::Span document = batch.endDocument(writer);
        QCOMPARE(batch.view(document), QByteArrayView(expected.data(), qsizetype(expected.size())));
        QCOMPARE(document.offset + document.length, batch.byteCount());
        QCOMPARE(writer.size(), std::size_t(0)); // the writer has its own buffer back, empty
        const EventBatch::Span after = batch.append("after");
        QCOMPARE(batch.view(before), QByteArrayView("before"));
        QCOMPARE(batch.view(document), QByteArrayView(expected.data(), qsizetype(expected.size())));
        QCOMPARE(batch.view(after), QByteArrayView("after"));
    }
}

QTEST_GUILESS_MAIN(TestEventBatch)
#include "tst_event_batch.moc"

#include <backend/capture/capture_header_filter.h>
#include <backend/capture/capture_queue.h>
#include <backend/capture/capture_record.h>
#include <backend/capture/capture_record_codec.h>

#include <QTest>

#include <set>

using namespace ToolCapture;

namespace {

// Every field set, headers and secrets included.
CaptureRecord fullRecord() {
    CaptureRecord r;
    r.id = 77;
    r.correlationId = "0b6f1c9e-3a7d-4e2b-9c1f-5d8e7a6b4c3d";
    r.sessionId = "session-9";
    r.userContext = "tenant=acme";
    r.clientAddress = "127.0.0.1";
    r.acceptedAtUs = 1714564800123456;
    r.connectedUs = 41;
    r.firstByteUs = 1830;
    r.doneUs = 1907;
    r.method = "POST";
    r.path = "/orders";
    r.query = "dry_run=1";
    r.status = 503;
    r.requestBytes = 12;
    r.responseBytes = 40;
    r.service = QStringLiteral("orders");
    r.instance = QStringLiteral("orders-2");
    r.attempts = 3;
    r.routingBrief.policy = RoutingBrief::Policy::Scoring;
    r.routingBrief.chosen.id = QStringLiteral("orders-2");
    r.routingBrief.candidates = 2;
    r.routing = R"({"policy":"scoring"})";
    r.secrets = {"Bearer t0ken"};
    r.cache = "miss";
    r.breakerState = "half_open";
    r.proxyError = "upstream-failed";
    r.tunnelEnd = "client-reset";
    r.webSocketCounted = true;
    r.messagesFromClient.messages = 4;
    r.messagesFromClient.dataBytes = 400;
    r.messagesFromUpstream.controlFrames = 1;
    r.messagesFromUpstream.malformed = true;
    r.requestHeaders = {{"Host", "shop.local"}, {"Authorization", CaptureRecord::kRedacted}};
    r.responseHeaders = {{"content-type", "application/problem+json"}};
    r.requestContentType = "application/json";
    r.responseContentType = "application/problem+json";
    r.requestBody = R"({"item":1})";
    r.replayable = false;
    r.responseBody = R"({"title":"Service Unavailable"})";
    r.responseBodyTruncated = true;
    // Each of its buffers its own, as a worker's copies are.
    for (QByteArray *bytes :
         {&r.correlationId, &r.clientAddress, &r.method, &r.path, &r.requestBody, &r.responseBody})
        bytes->detach();
    for (CapturedHeader &header : r.requestHeaders) {
        header.name.detach();
        header.value.detach();
    }
    return r;
}

HttpHeaders fields(std::initializer_list<std::pair<const char *, const char *>> list) {
    HttpHeaders out;
    for (const auto &[name, value] : list)
        out.push_back({QByteArray(name), QByteArray(value)});
    return out;
}

} // namespace

class TestCaptureRecycling : public QObject {
    Q_OBJECT
private slots:
    void clearedRecordIsANewOne();
    void clearKeepsOnlyItsOwnSmallBuffers();
    void clearKeepsABoundedAmount();
    void refilledRecordEqualsAFreshOne();
    void giveBackSpreadsOverLanes_data();
    void giveBackSpreadsOverLanes();
    void giveBackMovesNoRecord();
    void giveBackIsBounded();
};

void TestCaptureRecycling::clearedRecordIsANewOne() {
    CaptureRecord record = fullRecord();
    record.clearForReuse();
    // What the store and the events see: a record as new, the id included.
    QCOMPARE(encodeCaptureRecord(record), encodeCaptureRecord(CaptureRecord()));
    QCOMPARE(record.id, std::int64_t(0));
    QCOMPARE(toJson(record).dump(), toJson(CaptureRecord()).dump());
    QVERIFY(record.secrets.empty());
    QVERIFY(record.requestHeaders.empty());
    QVERIFY(record.responseHeaders.empty());
    QVERIFY(record.routingBrief == RoutingBrief());
    QVERIFY(record.routing.isNull());
    // The header fields wait as spares, emptied.
    QCOMPARE(record.spareHeaders.size(), std::size_t(3));
    for (const CapturedHeader &spare : record.spareHeaders) {
        QVERIFY(spare.name.isEmpty());
        QVERIFY(spare.value.isEmpty());
    }
}

void TestCaptureRecycling::clearKeepsOnlyItsOwnSmallBuffers() {
    CaptureRecord record = fullRecord();
    const char *path = record.path.constData();
    const char *hostName = record.requestHeaders[0].name.constData();
    record.requestBody = QByteArray(CaptureRecord::kReusedCapacity * 4, 'b'); // too large to keep
    const QByteArray sharedBody = record.responseBody;                        // held elsewhere too
    record.clearForReuse();
    QCOMPARE(record.path.constData(), path);
    QVERIFY(record.path.capacity() > 0);
    QCOMPARE(record.spareHeaders[0].name.constData(), hostName);
    QVERIFY(record.requestBody.capacity() <= CaptureRecord::kReusedCapacity);
    // The other holder's bytes are untouched and no longer shared.
    QCOMPARE(sharedBody, QByteArray(R"({"title":"Service Unavailable"})"));
    QVERIFY(!record.responseBody.isSharedWith(sharedBody));
    QVERIFY(record.responseBody.isEmpty());

    // Spares are bounded: a record with a great many fields keeps kReusedHeaders of them.
    CaptureRecord many;
    for (int i = 0; i < 200; ++i)
        many.requestHeaders.push_back({"X-Field-" + QByteArray::number(i), "v"});
    many.clearForReuse();
    QCOMPARE(many.spareHeaders.size(), CaptureRecord::kReusedHeaders);
    QVERIFY(many.requestHeaders.empty());
}

namespace {

qsizetype retained(const CaptureRecord &r) {
    qsizetype bytes = 0;
    for (const QByteArray *b :
         {&r.correlationId, &r.sessionId, &r.userContext, &r.clientAddress, &r.method, &r.path,
          &r.query, &r.routing, &r.cache, &r.breakerState, &r.proxyError, &r.requestContentType,
          &r.responseContentType, &r.requestBody, &r.responseBody})
        bytes += b->capacity();
    for (const auto *headers : {&r.requestHeaders, &r.responseHeaders, &r.spareHeaders}) {
        for (const CapturedHeader &header : *headers)
            bytes += header.name.capacity() + header.value.capacity();
    }
    return bytes;
}

} // namespace

void TestCaptureRecycling::clearKeepsABoundedAmount() {
    // A client sending many large fields must not make every recycled record (thousands wait
    // per worker) hold on to them: what a record keeps is bounded in all, its own fields first.
    CaptureRecord record = fullRecord();
    const char *path = record.path.constData();
    for (int i = 0; i < 64; ++i)
        record.requestHeaders.push_back({"X-Big-" + QByteArray::number(i), QByteArray(2000, 'v')});
    record.clearForReuse();
    QVERIFY2(retained(record) <= CaptureRecord::kReusedBytes,
             QByteArray::number(retained(record)).constData());
    QCOMPARE(record.path.constData(), path);
    QVERIFY(!record.spareHeaders.empty());
    QVERIFY(record.spareHeaders.size() < 64);
    // Cleared again (spares not used meanwhile): still within the bound, nothing lost that fit.
    const std::size_t spares = record.spareHeaders.size();
    record.clearForReuse();
    QVERIFY(retained(record) <= CaptureRecord::kReusedBytes);
    QCOMPARE(record.spareHeaders.size(), spares);
    QCOMPARE(record.path.constData(), path);
}

void TestCaptureRecycling::refilledRecordEqualsAFreshOne() {
    // A worker fills a recycled record by copying into it; the result is what plain
    // assignment into a new record gives, and it shares nothing with the parser's fields.
    const CaptureHeaderFilter filter(QStringList{"host", "accept", "authorization"});
    const HttpHeaders request = fields({{"Host", "shop.local"},
                                        {"Accept", "*/*"},
                                        {"Authorization", "Bearer s"},
                                        {"User-Agent", "wrk"}});
    const QByteArray method = "GET";
    const QByteArray target = "/bench/items?x=1";

    CaptureRecord fresh;
    fresh.method = method;
    fresh.path = target;
    filter.capture(request, fresh.requestHeaders);

    CaptureRecord recycled = fullRecord();
    recycled.clearForReuse();
    std::set<const char *> buffers;
    for (CapturedHeader &spare : recycled.spareHeaders) {
        // Room for what comes, as buffers have after a few exchanges of the same kind.
        spare.name.reserve(64);
        spare.value.reserve(64);
        buffers.insert(spare.name.constData());
        buffers.insert(spare.value.constData());
    }
    assignReusing(recycled.method, method);
    assignReusing(recycled.path, target);
    filter.capture(request, recycled.requestHeaders, recycled.spareHeaders);

    QCOMPARE(encodeCaptureRecord(recycled), encodeCaptureRecord(fresh));
    QCOMPARE(recycled.requestHeaders.size(), std::size_t(3));
    QVERIFY(!recycled.method.isSharedWith(method));
    QVERIFY(!recycled.path.isSharedWith(target));
    for (const CapturedHeader &header : recycled.requestHeaders) {
        for (const HttpHeader &field : request) {
            QVERIFY(!header.name.isSharedWith(field.name));
            QVERIFY(!header.value.isSharedWith(field.value));
        }
    }
    // The three spares were used, in the place of new buffers.
    QVERIFY(recycled.spareHeaders.empty());
    for (const CapturedHeader &header : recycled.requestHeaders) {
        QVERIFY(buffers.count(header.name.constData()) == 1);
        QVERIFY(buffers.count(header.value.constData()) == 1);
    }
}

namespace {

// Takes every given-back record of `lane`: how many there were.
int takeAll(CaptureQueue &queue, int lane) {
    int recycled = 0;
    for (;;) {
        CaptureRecord record;
        queue.takeRecycled(lane, record);
        // A given-back record still has its spares; a new one has none.
        if (record.spareHeaders.empty())
            return recycled;
        if (!record.correlationId.isEmpty())
            return -1; // not emptied
        ++recycled;
    }
}

std::vector<CaptureRecord> emptiedRecords(int count) {
    std::vector<CaptureRecord> done;
    for (int i = 0; i < count; ++i) {
        CaptureRecord record = fullRecord();
        record.clearForReuse();
        done.push_back(std::move(record));
    }
    return done;
}

} // namespace

void TestCaptureRecycling::giveBackSpreadsOverLanes_data() {
    QTest::addColumn<int>("lanes");
    QTest::addColumn<QList<int>>("sets"); // given back in turn
    QTest::addColumn<QList<int>>("perLane");
    QTest::newRow("one lane") << 1 << QList<int>{5, 3} << QList<int>{8};
    QTest::newRow("two lanes: each set where fewest wait")
        << 2 << QList<int>{5, 3, 4} << QList<int>{5, 7};
    QTest::newRow("three lanes, one set") << 3 << QList<int>{2} << QList<int>{2, 0, 0};
    QTest::newRow("nothing") << 2 << QList<int>{0} << QList<int>{0, 0};
}

void TestCaptureRecycling::giveBackSpreadsOverLanes() {
    QFETCH(int, lanes);
    QFETCH(QList<int>, sets);
    QFETCH(QList<int>, perLane);
    CaptureQueue queue(lanes, 1000);
    for (int count : sets) {
        std::vector<CaptureRecord> done = emptiedRecords(count);
        queue.giveBack(done);
        QVERIFY(done.empty());
    }
    for (int lane = 0; lane < lanes; ++lane)
        QCOMPARE(takeAll(queue, lane), perLane[lane]);
}

void TestCaptureRecycling::giveBackMovesNoRecord() {
    // A set goes round as the vector it is: the records stay where they are, and the vector a
    // worker emptied comes back to the consumer with its capacity for the next batch.
    CaptureQueue queue(1, 1000);
    std::vector<CaptureRecord> first = emptiedRecords(64);
    const CaptureRecord *firstRecords = first.data();
    queue.giveBack(first);
    CaptureRecord record;
    queue.takeRecycled(0, record); // takes the set whole
    queue.giveBack(first);         // nothing: an empty set is not one
    QCOMPARE(takeAll(queue, 0), 63);
    std::vector<CaptureRecord> second = emptiedRecords(8);
    queue.giveBack(second);
    QVERIFY(second.empty());
    QCOMPARE(second.capacity(), std::size_t(0)); // no worker has emptied a vector yet
    queue.takeRecycled(0, record); // the first set's vector, empty now, is put by for its capacity
    std::vector<CaptureRecord> third = emptiedRecords(8);
    queue.giveBack(third);
    QCOMPARE(third.data(), firstRecords);
    QVERIFY(third.capacity() >= 64);
    QVERIFY(third.empty());
}

void TestCaptureRecycling::giveBackIsBounded() {
    // Records waiting to be taken are bounded per lane: memory does not grow when a worker
    // captures nothing for a while (capture paused) and the capture thread keeps giving back.
    CaptureQueue queue(1, 100);
    std::size_t total = 0;
    for (int round = 0; round < 3; ++round) {
        std::vector<CaptureRecord> done(CaptureQueue::kRecycledPerLane);
        for (CaptureRecord &record : done)
            record.spareHeaders.resize(1);
        total += done.size();
        queue.giveBack(done);
    }
    QVERIFY(total > CaptureQueue::kRecycledPerLane);
    std::size_t taken = 0;
    for (;;) {
        CaptureRecord record;
        queue.takeRecycled(0, record);
        if (record.spareHeaders.empty())
            break;
        ++taken;
    }
    QCOMPARE(taken, CaptureQueue::kRecycledPerLane);
}

QTEST_GUILESS_MAIN(TestCaptureRecycling)
#include "tst_capture_recycling.moc"

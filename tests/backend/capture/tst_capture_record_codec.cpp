#include <backend/capture/capture_record_codec.h>
#include <backend/routing/routing_brief.h>
#include <backend/routing/routing_decision.h>

#include <QTest>

#include <algorithm>
#include <limits>

using namespace ToolCapture;
using Json = nlohmann::json;

Q_DECLARE_METATYPE(ToolCapture::CaptureRecord)

namespace {

CaptureRecord typicalGet() {
    CaptureRecord r;
    r.correlationId = "0b6f1c9e-3a7d-4e2b-9c1f-5d8e7a6b4c3d";
    r.clientAddress = "127.0.0.1:53124";
    r.acceptedAtUs = 1714564800123456;
    r.connectedUs = 41;
    r.firstByteUs = 1830;
    r.doneUs = 1907;
    r.method = "GET";
    r.path = "/inventory/items/42";
    r.query = "fields=name,stock";
    r.status = 200;
    r.responseBytes = 512;
    r.service = QStringLiteral("inventory");
    r.instance = QStringLiteral("inventory-2");
    r.attempts = 1;
    r.routing = R"({"policy":"scoring","chosen":"inventory-2","candidates":[]})";
    r.breakerState = "closed";
    r.requestHeaders = {{"Host", "shop.local"},
                        {"User-Agent", "curl/8.5.0"},
                        {"Accept", "application/json"},
                        {"accept-version", "2"},
                        {"Authorization", CaptureRecord::kRedacted},
                        {"X-Correlation-ID", "0b6f1c9e-3a7d-4e2b-9c1f-5d8e7a6b4c3d"},
                        {"X-Custom-Thing", "value with spaces"}};
    r.responseHeaders = {{"content-type", "application/json"}, {"ETag", "\"v42\""}};
    r.responseContentType = "application/json";
    r.responseBody = R"({"id":42,"name":"bolt"})";
    return r;
}

// Every field but the id, which the encoding leaves to the store.
// A WebSocket exchange as captured when its tunnel ended: its messages each way.
CaptureRecord tunnelRecord() {
    CaptureRecord r = typicalGet();
    r.status = 101;
    r.replayable = false;
    r.tunnelEnd = "upstream-closed";
    r.webSocketCounted = true;
    r.messagesFromClient.messages = 12;
    r.messagesFromClient.dataBytes = std::int64_t(5) << 32; // beyond 32 bits
    r.messagesFromClient.largestMessage = std::int64_t(4) << 32;
    r.messagesFromClient.controlFrames = 3;
    r.messagesFromUpstream.messages = 1;
    r.messagesFromUpstream.dataBytes = 40;
    r.messagesFromUpstream.largestMessage = 40;
    r.messagesFromUpstream.malformed = true;
    return r;
}

void compareRecords(const CaptureRecord &actual, const CaptureRecord &expected) {
    QCOMPARE(actual.correlationId, expected.correlationId);
    QCOMPARE(actual.sessionId, expected.sessionId);
    QCOMPARE(actual.userContext, expected.userContext);
    QCOMPARE(actual.clientAddress, expected.clientAddress);
    QCOMPARE(actual.acceptedAtUs, expected.acceptedAtUs);
    QCOMPARE(actual.connectedUs, expected.connectedUs);
    QCOMPARE(actual.firstByteUs, expected.firstByteUs);
    QCOMPARE(actual.doneUs, expected.doneUs);
    QCOMPARE(actual.method, expected.method);
    QCOMPARE(actual.path, expected.path);
    QCOMPARE(actual.query, expected.query);
    QCOMPARE(actual.status, expected.status);
    QCOMPARE(actual.requestBytes, expected.requestBytes);
    QCOMPARE(actual.responseBytes, expected.responseBytes);
    QCOMPARE(actual.service, expected.service);
    QCOMPARE(actual.instance, expected.instance);
    QCOMPARE(actual.attempts, expected.attempts);
    QCOMPARE(actual.cache, expected.cache);
    QCOMPARE(actual.breakerState, expected.breakerState);
    QCOMPARE(actual.proxyError, expected.proxyError);
    QCOMPARE(actual.tunnelEnd, expected.tunnelEnd);
    QCOMPARE(actual.webSocketCounted, expected.webSocketCounted);
    QCOMPARE(actual.messagesFromClient, expected.messagesFromClient);
    QCOMPARE(actual.messagesFromUpstream, expected.messagesFromUpstream);
    QCOMPARE(actual.requestContentType, expected.requestContentType);
    QCOMPARE(actual.responseContentType, expected.responseContentType);
    QCOMPARE(actual.requestBody, expected.requestBody);
    QCOMPARE(actual.replayable, expected.replayable);
    QCOMPARE(actual.responseBody, expected.responseBody);
    QCOMPARE(actual.responseBodyTruncated, expected.responseBodyTruncated);
    QCOMPARE(actual.requestHeaders.size(), expected.requestHeaders.size());
    for (size_t i = 0; i < expected.requestHeaders.size(); ++i) {
        QCOMPARE(actual.requestHeaders[i].name, expected.requestHeaders[i].name);
        QCOMPARE(actual.requestHeaders[i].value, expected.requestHeaders[i].value);
    }
    QCOMPARE(actual.responseHeaders.size(), expected.responseHeaders.size());
    for (size_t i = 0; i < expected.responseHeaders.size(); ++i) {
        QCOMPARE(actual.responseHeaders[i].name, expected.responseHeaders[i].name);
        QCOMPARE(actual.responseHeaders[i].value, expected.responseHeaders[i].value);
    }
}

QString str(const Json &json) {
    return QString::fromStdString(json.get<std::string>());
}

// nlohmann::json is not something QCOMPARE can print.
#define COMPARE_JSON(actual, expected)                                                             \
    QVERIFY2((actual) == (expected), ((actual).dump() + " != " + (expected).dump()).c_str())

// What the capture pipeline stores: toJson(RoutingDecision).dump().
QByteArray routingJson(int candidates, bool withExcluded) {
    RoutingDecision decision;
    decision.policy = QStringLiteral("scoring");
    decision.service = QStringLiteral("inventory");
    for (int i = 0; i < candidates; ++i) {
        CandidateScore c;
        c.instanceId = QStringLiteral("inventory-%1").arg(i + 1);
        c.score = 0.9134567 - i * 0.0521;
        c.performance = 0.88123;
        c.reliability = 0.999;
        c.load = 0.75;
        c.compatibility = 1.0;
        c.latencyMs = i == 0 ? -1 : 4.25 + i;
        c.successRate = 0.998;
        c.windowCalls = 812 + i;
        c.active = 3 + i;
        if (withExcluded && i == candidates - 1) {
            c.excluded = true;
            c.exclusion = Exclusion::BreakerOpen;
            c.reason = QStringLiteral("breaker open");
        }
        decision.candidates.append(c);
    }
    if (candidates > 0) {
        decision.chosenId = QStringLiteral("inventory-1");
        if (candidates > 1)
            decision.runnerUpId = QStringLiteral("inventory-2");
    }
    decision.summary = QStringLiteral("inventory-1 (0.91) over inventory-2");
    return QByteArray::fromStdString(toJson(decision).dump());
}

Json parsed(const QByteArray &json) {
    return json.isEmpty() ? Json() : Json::parse(json.constBegin(), json.constEnd());
}

} // namespace

class TestCaptureRecordCodec : public QObject {
    Q_OBJECT

private slots:
    void binaryRoundTrip_data() { records(); }
    void binaryRoundTrip();
    void jsonRoundTrip_data() { records(); }
    void jsonRoundTrip();
    void binaryRejectsDamage();
    void routingRoundTrip_data();
    void routingRoundTrip();
    void routingIsPacked();
    void routingRejectsBadEscape();
    void binaryIsCompact();
    void rfc3339_data();
    void rfc3339();
    void jsonView();
    void jsonBodies_data();
    void jsonBodies();
    void jsonNonUtf8Text();
    void jsonRoutingThatIsNotJson();
    void jsonRejectsWrongTypes_data();
    void jsonRejectsWrongTypes();

private:
    void records();
};

void TestCaptureRecordCodec::records() {
    QTest::addColumn<CaptureRecord>("record");
    QTest::newRow("empty") << CaptureRecord{};
    QTest::newRow("typical GET") << typicalGet();

    // The worker's compact explanation instead of text: a draw of two, one of them in slow
    // start and without samples, a non-ASCII id.
    CaptureRecord briefed = typicalGet();
    briefed.routing.clear();
    RoutingBrief &brief = briefed.routingBrief;
    brief.policy = RoutingBrief::Policy::Scoring;
    brief.candidates = 5;
    brief.available = 3;
    brief.slowStartYielded = true;
    brief.chosen = {QStringLiteral("inventory-2"),
                    0.9137,
                    0.8812345,
                    0.9991,
                    0.75,
                    1.0,
                    1.0,
                    4.2512,
                    0.998,
                    812,
                    3};
    brief.runnerUp = {
        QStringLiteral("invent\u00f6ry-1"), 0.96, 1.0, 0.5, 1.0, 0.5, 0.25, -1, -1, 0, 0};
    QTest::newRow("routing brief") << briefed;
    CaptureRecord alone = briefed;
    alone.routingBrief.runnerUp = RoutingBrief::Drawn();
    alone.routingBrief.avoided = true;
    QTest::newRow("routing brief, one candidate") << alone;
    CaptureRecord nowhere = briefed;
    nowhere.routingBrief.chosen = nowhere.routingBrief.runnerUp = RoutingBrief::Drawn();
    QTest::newRow("routing brief, no instance") << nowhere;

    CaptureRecord post = typicalGet();
    post.method = "POST";
    post.sessionId = "sess-9";
    post.userContext = "tenant=acme";
    post.requestContentType = "application/octet-stream";
    post.requestBody = QByteArray("\x00\x01\xfe\xff binary", 11);
    post.requestBytes = post.requestBody.size();
    post.responseBody = QByteArray("\xc3\x28 not utf-8");
    post.responseBodyTruncated = true;
    post.cache = "miss";
    QTest::newRow("binary bodies") << post;

    CaptureRecord failed;
    failed.correlationId = "c";
    failed.method = "DELETE";
    failed.path = "/";
    failed.acceptedAtUs = -5; // before the epoch: zigzag keeps it
    failed.status = 504;
    failed.proxyError = "upstream-timeout";
    failed.replayable = false;
    failed.attempts = 3;
    failed.service = QStringLiteral("prÿcing-ü-服务");
    QTest::newRow("proxy answer, unicode service, not replayable") << failed;

    CaptureRecord extremes = typicalGet();
    extremes.acceptedAtUs = std::numeric_limits<std::int64_t>::max();
    extremes.connectedUs = std::numeric_limits<std::int64_t>::min();
    extremes.requestBytes = std::numeric_limits<std::int64_t>::max();
    extremes.status = std::numeric_limits<int>::max();
    extremes.attempts = std::numeric_limits<int>::min();
    QTest::newRow("integer extremes") << extremes;

    CaptureRecord headers;
    for (int i = 0; i < 300; ++i)
        headers.requestHeaders.push_back(
            {"X-H-" + QByteArray::number(i), QByteArray(i % 5, char('a' + i % 26))});
    headers.requestHeaders.push_back({"", ""});
    headers.responseHeaders = {{"SET-COOKIE", "[REDACTED]"}, {"Date", "today"}};
    QTest::newRow("many unknown headers, odd cases") << headers;

    QTest::newRow("WebSocket tunnel") << tunnelRecord();
    CaptureRecord uncounted = tunnelRecord();
    uncounted.webSocketCounted = false;
    uncounted.messagesFromClient = uncounted.messagesFromUpstream = {};
    QTest::newRow("WebSocket tunnel, messages not counted") << uncounted;
}

void TestCaptureRecordCodec::binaryRoundTrip() {
    QFETCH(CaptureRecord, record);
    const QByteArray encoded = encodeCaptureRecord(record);
    CaptureRecord decoded;
    decoded.id = 77;
    QVERIFY(decodeCaptureRecord(encoded, decoded));
    compareRecords(decoded, record);
    QCOMPARE(decoded.routing, record.routing);
    QVERIFY(decoded.routingBrief == record.routingBrief);
    QCOMPARE(decoded.id, std::int64_t(77)); // untouched: not part of the encoding

    // Appending form: the record lands after what the buffer held.
    QByteArray buffer("prefix");
    encodeCaptureRecord(record, buffer);
    QCOMPARE(buffer.mid(6), encoded);
}

void TestCaptureRecordCodec::jsonRoundTrip() {
    QFETCH(CaptureRecord, record);
    record.id = 123456789;
    // Through text, as an export or the admin API would carry it.
    const Json json = Json::parse(toJson(record).dump());
    QString error;
    const std::optional<CaptureRecord> back = captureRecordFromJson(json, &error);
    QVERIFY2(back, qPrintable(error));
    QCOMPARE(back->id, record.id);
    // Any negative offset means "never got there": it comes back as -1.
    for (std::int64_t *offset : {&record.connectedUs, &record.firstByteUs, &record.doneUs})
        *offset = std::max<std::int64_t>(*offset, -1);
    compareRecords(*back, record);
    // Re-serialised, so compared as JSON; a brief comes back rendered, as text.
    const Json routing = record.routing.isEmpty() ? toJson(record.routingBrief, record.service)
                                                  : parsed(record.routing);
    if (routing.is_null())
        QVERIFY(back->routing.isEmpty());
    else
        COMPARE_JSON(parsed(back->routing), routing);
}

void TestCaptureRecordCodec::binaryRejectsDamage() {
    const QByteArray encoded = encodeCaptureRecord(typicalGet());
    CaptureRecord out;
    for (qsizetype n = 0; n < encoded.size(); ++n)
        QVERIFY2(!decodeCaptureRecord(QByteArrayView(encoded).first(n), out),
                 qPrintable(QStringLiteral("prefix of %1 bytes accepted").arg(n)));
    QVERIFY(!decodeCaptureRecord(encoded + '\0', out));
    QByteArray otherVersion = encoded;
    otherVersion[0] = 5;
    QVERIFY(!decodeCaptureRecord(otherVersion, out));
    otherVersion[0] = 0;
    QVERIFY(!decodeCaptureRecord(otherVersion, out));
    // Version 3 (a tunnel end, no messages) is still read; messages in a version 3 encoding
    // are damage.
    const CaptureRecord tunnel = tunnelRecord();
    CaptureRecord tunnelV3 = tunnel;
    tunnelV3.webSocketCounted = false;
    tunnelV3.messagesFromClient = tunnelV3.messagesFromUpstream = {};
    QByteArray version3 = encodeCaptureRecord(tunnelV3);
    QCOMPARE(version3.at(0), char(4));
    version3[0] = 3;
    QVERIFY(decodeCaptureRecord(encodeCaptureRecord(tunnel), out)); // counts in `out` first
    QVERIFY(decodeCaptureRecord(version3, out));
    compareRecords(out, tunnelV3); // not left over from the record decoded into before
    QByteArray countedInVersion3 = encodeCaptureRecord(tunnel);
    countedInVersion3[0] = 3;
    QVERIFY(!decodeCaptureRecord(countedInVersion3, out));
    // Unknown flag bits in a direction's counts are damage.
    QByteArray badFlags = encodeCaptureRecord(tunnel);
    badFlags[badFlags.size() - 1] = char(2);
    QVERIFY(!decodeCaptureRecord(badFlags, out));
    // Version 2 (no tunnel end) is still read; a tunnel end in a version 2 encoding is damage.
    QByteArray version2 = encoded;
    version2[0] = 2;
    QVERIFY(decodeCaptureRecord(version2, out));
    compareRecords(out, typicalGet());
    CaptureRecord tunnelled = typicalGet();
    tunnelled.status = 101;
    tunnelled.tunnelEnd = "upstream-closed";
    QByteArray tunnelEncoded = encodeCaptureRecord(tunnelled);
    QVERIFY(decodeCaptureRecord(tunnelEncoded, out));
    QCOMPARE(out.tunnelEnd, QByteArray("upstream-closed"));
    QVERIFY(decodeCaptureRecord(encoded, out));
    QVERIFY(out.tunnelEnd.isEmpty()); // not left over from the record decoded into before
    tunnelEncoded[0] = 2;
    QVERIFY(!decodeCaptureRecord(tunnelEncoded, out));
    // Version 1 (no routing brief) is still read; a brief in a version 1 encoding is damage.
    QByteArray version1 = encoded;
    version1[0] = 1;
    QVERIFY(decodeCaptureRecord(version1, out));
    compareRecords(out, typicalGet());
    CaptureRecord briefed = typicalGet();
    briefed.routingBrief.policy = RoutingBrief::Policy::Scoring;
    briefed.routingBrief.chosen.id = QStringLiteral("inventory-2");
    QByteArray briefInVersion1 = encodeCaptureRecord(briefed);
    briefInVersion1[0] = 1;
    QVERIFY(!decodeCaptureRecord(briefInVersion1, out));
    // A header count far beyond what the bytes could hold.
    QByteArray hugeCount = encodeCaptureRecord(CaptureRecord{});
    hugeCount.chop(2); // the two empty header lists
    hugeCount.append("\xff\xff\xff\xff\x0f", 5).append('\0');
    QVERIFY(!decodeCaptureRecord(hugeCount, out));
    QVERIFY(decodeCaptureRecord(encoded, out));
}

void TestCaptureRecordCodec::routingRoundTrip_data() {
    QTest::addColumn<QByteArray>("routing");
    QTest::newRow("no candidates") << routingJson(0, false);
    QTest::newRow("one candidate") << routingJson(1, false);
    QTest::newRow("three, one excluded") << routingJson(3, true);
    QTest::newRow("keys inside a string")
        << QByteArray(R"({"summary":"},{\"excluded\":false,\"exclusion\":null,\"id\":\"x"})");
    QTest::newRow("tokens back to back, at both ends")
        << QByteArray(R"(,"load":,"load":,"weight":}],"chosen":")");
    QTest::newRow("truncated token") << QByteArray(R"(},"parts":{"compat)");
    QTest::newRow("not utf-8: stored as it is") << QByteArray("{\"a\":\"\xff\xc0\xf5\"}");
    QTest::newRow("plain text") << QByteArray("round robin");
}

void TestCaptureRecordCodec::routingRoundTrip() {
    QFETCH(QByteArray, routing);
    CaptureRecord record = typicalGet();
    record.routing = routing;
    CaptureRecord decoded;
    QVERIFY(decodeCaptureRecord(encodeCaptureRecord(record), decoded));
    QCOMPARE(decoded.routing, routing);
}

void TestCaptureRecordCodec::routingIsPacked() {
    // The key runs repeated per candidate collapse to a byte or two each.
    CaptureRecord record;
    record.routing = routingJson(3, true);
    const qsizetype without = encodeCaptureRecord(CaptureRecord{}).size();
    const qsizetype packed = encodeCaptureRecord(record).size() - without;
    QVERIFY2(packed * 100 < record.routing.size() * 45,
             qPrintable(QStringLiteral("%1 -> %2").arg(record.routing.size()).arg(packed)));
}

void TestCaptureRecordCodec::routingRejectsBadEscape() {
    CaptureRecord record;
    record.routing = "@@"; // valid UTF-8: packed, and passed through as it is
    QByteArray encoded = encodeCaptureRecord(record);
    const qsizetype at = encoded.indexOf("@@");
    QVERIFY(at > 0);
    CaptureRecord out;
    QByteArray bad = encoded;
    bad[at] = char(0xff); // escape with an index past the table
    bad[at + 1] = char(200);
    QVERIFY(!decodeCaptureRecord(bad, out));
    bad[at] = '@';
    bad[at + 1] = char(0xff); // escape without an index
    QVERIFY(!decodeCaptureRecord(bad, out));
    bad[at + 1] = char(0xc0); // a one-byte token
    QVERIFY(decodeCaptureRecord(bad, out));
    QCOMPARE(out.routing, QByteArray(R"(@},{"excluded":false,"exclusion":null,"id":")"));
}

void TestCaptureRecordCodec::binaryIsCompact() {
    // Common header names are table references: a record's encoding is hardly larger than
    // its values.
    const CaptureRecord record = typicalGet();
    qsizetype values = record.correlationId.size() + record.clientAddress.size() +
                       record.method.size() + record.path.size() + record.query.size() +
                       record.service.size() + record.instance.size() + record.routing.size() +
                       record.breakerState.size() + record.responseContentType.size() +
                       record.responseBody.size() + QByteArray("X-Custom-Thing").size();
    for (const auto *fields : {&record.requestHeaders, &record.responseHeaders}) {
        for (const CapturedHeader &field : *fields)
            values += field.value.size();
    }
    const qsizetype encoded = encodeCaptureRecord(record).size();
    QVERIFY2(
        encoded <= values + 70,
        qPrintable(QStringLiteral("%1 bytes for %2 bytes of values").arg(encoded).arg(values)));
}

void TestCaptureRecordCodec::rfc3339_data() {
    QTest::addColumn<qint64>("us");
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("epoch") << qint64(0) << QByteArray("1970-01-01T00:00:00.000000Z");
    QTest::newRow("micro") << qint64(1714564800123456) << QByteArray("2024-05-01T12:00:00.123456Z");
    QTest::newRow("leap day") << qint64(1709251199999999)
                              << QByteArray("2024-02-29T23:59:59.999999Z");
    QTest::newRow("before the epoch") << qint64(-1) << QByteArray("1969-12-31T23:59:59.999999Z");
}

void TestCaptureRecordCodec::rfc3339() {
    QFETCH(qint64, us);
    QFETCH(QByteArray, text);
    QCOMPARE(formatRfc3339Utc(us), text);
}

void TestCaptureRecordCodec::jsonView() {
    CaptureRecord record = typicalGet();
    record.id = 9001;
    const Json json = toJson(record);
    QCOMPARE(json.at("id").get<std::int64_t>(), std::int64_t(9001));
    QCOMPARE(str(json.at("correlation_id")), QString::fromLatin1(record.correlationId));
    QCOMPARE(str(json.at("accepted_at")), QStringLiteral("2024-05-01T12:00:00.123456Z"));
    QCOMPARE(json.at("accepted_at_us").get<std::int64_t>(), record.acceptedAtUs);
    QCOMPARE(json.at("first_byte_us").get<std::int64_t>(), std::int64_t(1830));
    QCOMPARE(json.at("status").get<int>(), 200);
    QCOMPARE(str(json.at("service")), QStringLiteral("inventory"));
    QCOMPARE(str(json.at("query")), QStringLiteral("fields=name,stock"));
    QVERIFY(json.at("session_id").is_null());
    QVERIFY(json.at("proxy_error").is_null());
    QVERIFY(json.at("request_content_type").is_null());
    QVERIFY(json.at("routing").is_object());
    QCOMPARE(str(json.at("routing").at("chosen")), QStringLiteral("inventory-2"));
    const Json &headers = json.at("request_headers");
    QCOMPARE(headers.size(), record.requestHeaders.size());
    COMPARE_JSON(headers.at(4), (Json{{"name", "Authorization"}, {"value", "[REDACTED]"}}));
    QCOMPARE(str(json.at("response_body_encoding")), QStringLiteral("utf-8"));
    QCOMPARE(str(json.at("response_body")), QStringLiteral(R"({"id":42,"name":"bolt"})"));
    QCOMPARE(json.at("replayable").get<bool>(), true);

    CaptureRecord unfinished;
    unfinished.routing.clear();
    const Json empty = toJson(unfinished);
    QVERIFY(empty.at("status").is_null());
    QVERIFY(empty.at("connected_us").is_null());
    QVERIFY(empty.at("done_us").is_null());
    QVERIFY(empty.at("routing").is_null());
    QVERIFY(empty.at("service").is_null());
    COMPARE_JSON(empty.at("request_headers"), Json::array());
    // Serialisable as it is: nothing in it is invalid UTF-8.
    QVERIFY(!Json::parse(toJson(record).dump()).is_discarded());
}

void TestCaptureRecordCodec::jsonBodies_data() {
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("encoding");
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("empty") << QByteArray() << "utf-8" << QByteArray();
    QTest::newRow("ascii") << QByteArray("{\"a\":1}") << "utf-8" << QByteArray("{\"a\":1}");
    QTest::newRow("utf-8") << QByteArray("grüße") << "utf-8" << QByteArray("grüße");
    QTest::newRow("nul is valid utf-8")
        << QByteArray("a\0b", 3) << "utf-8" << QByteArray("a\0b", 3);
    QTest::newRow("binary") << QByteArray("\xff\x00\x80", 3) << "base64" << QByteArray("/wCA");
    QTest::newRow("overlong") << QByteArray("\xc0\xaf") << "base64" << QByteArray("wK8=");
}

void TestCaptureRecordCodec::jsonBodies() {
    QFETCH(QByteArray, body);
    QFETCH(QString, encoding);
    QFETCH(QByteArray, text);
    CaptureRecord record;
    record.requestBody = body;
    record.responseBody = body;
    const Json json = toJson(record);
    for (const char *key : {"request_body", "response_body"}) {
        const std::string value = json.at(key).get<std::string>();
        QCOMPARE(QByteArray(value.data(), qsizetype(value.size())), text);
        QCOMPARE(QString::fromStdString(json.at(std::string(key) + "_encoding").get<std::string>()),
                 encoding);
    }
    const std::optional<CaptureRecord> back = captureRecordFromJson(json);
    QVERIFY(back);
    QCOMPARE(back->requestBody, body);
    QCOMPARE(back->responseBody, body);
}

void TestCaptureRecordCodec::jsonNonUtf8Text() {
    // A field value with obs-text is read as Latin-1 rather than breaking the document.
    CaptureRecord record;
    record.requestHeaders = {{"X-Name", "caf\xe9"}};
    record.path = "/\xff";
    const Json json = toJson(record);
    QCOMPARE(str(json.at("request_headers").at(0).at("value")), QStringLiteral("café"));
    QCOMPARE(str(json.at("path")), QStringLiteral("/ÿ"));
    QVERIFY(!json.dump().empty());
}

void TestCaptureRecordCodec::jsonRoutingThatIsNotJson() {
    CaptureRecord record;
    record.routing = "round robin, no scores";
    const Json json = toJson(record);
    QCOMPARE(str(json.at("routing")), QStringLiteral("round robin, no scores"));
    QCOMPARE(captureRecordFromJson(json)->routing, record.routing);
}

void TestCaptureRecordCodec::jsonRejectsWrongTypes_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");
    QTest::newRow("not an object") << QByteArray("[]") << "a capture record must be a JSON object";
    QTest::newRow("status as text")
        << QByteArray(R"({"status":"200"})") << "status: expected an integer";
    QTest::newRow("method as number")
        << QByteArray(R"({"method":1})") << "method: expected a string";
    QTest::newRow("headers not a list")
        << QByteArray(R"({"request_headers":{"a":"b"}})") << "request_headers: expected an array";
    QTest::newRow("header without value")
        << QByteArray(R"({"response_headers":[{"name":"a"}]})")
        << R"(response_headers: expected [{"name": string, "value": string}])";
    QTest::newRow("bad base64") << QByteArray(
                                       R"({"request_body":"@@@","request_body_encoding":"base64"})")
                                << "request_body: expected valid base64";
    QTest::newRow("unknown encoding")
        << QByteArray(R"({"request_body":"x","request_body_encoding":"gzip"})")
        << R"(request_body_encoding: expected "utf-8" or "base64")";
    QTest::newRow("replayable as number")
        << QByteArray(R"({"replayable":1})") << "replayable: expected a boolean";
    const QString shape =
        R"(websocket_messages: expected {"client_to_upstream": {...}, "upstream_to_client": {...}})";
    QTest::newRow("websocket messages as a number")
        << QByteArray(R"({"websocket_messages":3})") << shape;
    QTest::newRow("websocket messages one way only")
        << QByteArray(R"({"websocket_messages":{"client_to_upstream":{"messages":1}}})") << shape;
    QTest::newRow("websocket message count as text")
        << QByteArray(R"({"websocket_messages":{"client_to_upstream":{"messages":"1"},)"
                      R"("upstream_to_client":{}}})")
        << shape;
}

void TestCaptureRecordCodec::jsonRejectsWrongTypes() {
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    QString actual;
    QVERIFY(!captureRecordFromJson(parsed(json), &actual));
    QCOMPARE(actual, error);
}

QTEST_GUILESS_MAIN(TestCaptureRecordCodec)
#include "tst_capture_record_codec.moc"

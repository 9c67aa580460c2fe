#include <backend/events/cloud_event.h>
#include <backend/events/json_writer.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace ToolCapture;

class TestCloudEvent : public QObject {
    Q_OBJECT

private slots:
    void structuredData_data();
    void structuredData();
    void writeThenRead_data();
    void writeThenRead();
    void decodeAsBinaryModeCarriesIt();
    void decodeRefusesWhatIsNotAnEvent_data();
    void decodeRefusesWhatIsNotAnEvent();
    void contentType_data();
    void contentType();
    void modeNames();
};

void TestCloudEvent::structuredData_data() {
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("found");
    QTest::addColumn<QByteArray>("data");
    QTest::newRow("data last") << QByteArray(R"({"specversion":"1.0","id":"x","data":{"a":1}})")
                               << true << QByteArray(R"({"a":1})");
    QTest::newRow("data first, brackets in strings")
        << QByteArray(R"({"data":{"a":[1,"}]",{"b":"\"{"}]},"id":"x"})") << true
        << QByteArray(R"({"a":[1,"}]",{"b":"\"{"}]})");
    QTest::newRow("spaces everywhere") << QByteArray(" {\n \"id\" : \"x\" ,\t\"data\" : [1, 2] } ")
                                       << true << QByteArray("[1, 2]");
    QTest::newRow("string data") << QByteArray(R"({"data":"he said \"hi\\"})") << true
                                 << QByteArray(R"("he said \"hi\\")");
    QTest::newRow("number data") << QByteArray(R"({"data":-4.5e3,"id":"x"})") << true
                                 << QByteArray("-4.5e3");
    QTest::newRow("null data") << QByteArray(R"({"data":null})") << true << QByteArray("null");
    QTest::newRow("nested data member is not ours")
        << QByteArray(R"({"id":{"data":1}})") << false << QByteArray();
    QTest::newRow("no data") << QByteArray(R"({"id":"x"})") << false << QByteArray();
    QTest::newRow("empty object") << QByteArray("{}") << false << QByteArray();
    QTest::newRow("empty") << QByteArray() << false << QByteArray();
    QTest::newRow("array") << QByteArray(R"([{"data":1}])") << false << QByteArray();
    QTest::newRow("unterminated object")
        << QByteArray(R"({"data":{"a":1})") << false << QByteArray();
    QTest::newRow("unterminated string") << QByteArray(R"({"data":"abc})") << false << QByteArray();
    QTest::newRow("missing value") << QByteArray(R"({"data":})") << false << QByteArray();
    QTest::newRow("missing colon") << QByteArray(R"({"data" 1})") << false << QByteArray();
    QTest::newRow("trailing comma") << QByteArray(R"({"data":1,})") << false << QByteArray();
    QTest::newRow("text after the object")
        << QByteArray(R"({"data":1} x)") << false << QByteArray();
    QTest::newRow("name not a string") << QByteArray(R"({data:1})") << false << QByteArray();
}

void TestCloudEvent::structuredData() {
    QFETCH(QByteArray, value);
    QFETCH(bool, found);
    QFETCH(QByteArray, data);
    const std::optional<QByteArrayView> got = CloudEvents::structuredData(value);
    QCOMPARE(got.has_value(), found);
    if (found)
        QCOMPARE(got->toByteArray(), data);
}

void TestCloudEvent::writeThenRead_data() {
    QTest::addColumn<QByteArray>("id");
    QTest::addColumn<QByteArray>("time");
    QTest::addColumn<QByteArray>("data");
    QTest::newRow("an exchange event")
        << QByteArray("35e960c5-9103-4fb7-ba55-2b69c6698e06")
        << QByteArray("2026-12-06T02:06:35.450191Z")
        << QByteArray(R"({"event_id":"35e960c5","response_time_ms":2.750,"query":null})");
    QTest::newRow("no time") << QByteArray("e-1") << QByteArray() << QByteArray("[]");
    QTest::newRow("id that needs escaping")
        << QByteArray("a\"b\\c\nd") << QByteArray("2026-12-06T00:00:00.000000Z")
        << QByteArray(R"({"s":"x\"}"})");
}

void TestCloudEvent::writeThenRead() {
    QFETCH(QByteArray, id);
    QFETCH(QByteArray, time);
    QFETCH(QByteArray, data);
    JsonWriter json;
    json.string(QByteArrayView("left over from an earlier event"));
    CloudEvents::writeStructured(json, id, "com.toolcapture.proxy.x", "/toolcapture/proxy", time,
                                 std::string_view(data.constData(), std::size_t(data.size())));
    const QByteArray envelope = json.toByteArray();

    // Valid JSON, with the attributes the CloudEvents JSON format names.
    QJsonParseError error;
    const QJsonObject object = QJsonDocument::fromJson(envelope, &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(object.value(QLatin1String("specversion")).toString(), QStringLiteral("1.0"));
    QCOMPARE(object.value(QLatin1String("id")).toString().toUtf8(), id);
    QCOMPARE(object.value(QLatin1String("type")).toString(),
             QStringLiteral("com.toolcapture.proxy.x"));
    QCOMPARE(object.value(QLatin1String("source")).toString(),
             QStringLiteral("/toolcapture/proxy"));
    QCOMPARE(object.contains(QLatin1String("time")), !time.isEmpty());
    QCOMPARE(object.value(QLatin1String("datacontenttype")).toString(),
             QStringLiteral("application/json"));

    // The data comes back byte for byte (2.750 stays 2.750), and so do the attributes.
    const std::optional<QByteArrayView> read = CloudEvents::structuredData(envelope);
    QVERIFY(read);
    QCOMPARE(read->toByteArray(), data);
    const std::optional<CloudEvents::DecodedCloudEvent> decoded =
        CloudEvents::decodeStructured(envelope);
    QVERIFY(decoded);
    QCOMPARE(decoded->data, data);
    const auto header = [&](const QByteArray &name) {
        for (const auto &[key, value] : decoded->headers) {
            if (key == name)
                return value;
        }
        return QByteArray("(absent)");
    };
    QCOMPARE(header("ce_id"), id);
    QCOMPARE(header("ce_time"), time.isEmpty() ? QByteArray("(absent)") : time);
    QCOMPARE(header("ce_specversion"), QByteArray("1.0"));
}

void TestCloudEvent::decodeAsBinaryModeCarriesIt() {
    const QByteArray value =
        R"({"specversion":"1.0","id":"7","source":"\/toolcapture\/hooks","type":"t",)"
        R"("datacontenttype":"application/json","traceparent":"00-ab","data":{"k":true}})";
    const std::optional<CloudEvents::DecodedCloudEvent> event =
        CloudEvents::decodeStructured(value);
    QVERIFY(event);
    const std::vector<std::pair<QByteArray, QByteArray>> expected{
        {"ce_specversion", "1.0"},
        {"ce_id", "7"},
        {"ce_source", "/toolcapture/hooks"}, // escapes decoded
        {"ce_type", "t"},
        {"content-type", "application/json"},
        {"ce_traceparent", "00-ab"}, // extension attributes too
    };
    QCOMPARE(event->headers, expected);
    QCOMPARE(event->data, QByteArray(R"({"k":true})"));
}

void TestCloudEvent::decodeRefusesWhatIsNotAnEvent_data() {
    QTest::addColumn<QByteArray>("value");
    QTest::newRow("plain event JSON") << QByteArray(R"({"event_id":"x","event_type":"y"})");
    QTest::newRow("not JSON") << QByteArray("hello");
    QTest::newRow("truncated") << QByteArray(R"({"specversion":"1.0","data":{"a")");
}

void TestCloudEvent::decodeRefusesWhatIsNotAnEvent() {
    QFETCH(QByteArray, value);
    QVERIFY(!CloudEvents::decodeStructured(value));
}

void TestCloudEvent::contentType_data() {
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<bool>("structured");
    QTest::newRow("exact") << QByteArray("application/cloudevents+json") << true;
    QTest::newRow("upper case") << QByteArray("Application/CloudEvents+JSON") << true;
    QTest::newRow("with charset") << QByteArray("application/cloudevents+json; charset=UTF-8")
                                  << true;
    QTest::newRow("spaces") << QByteArray(" application/cloudevents+json ;x=y") << true;
    QTest::newRow("binary mode's") << QByteArray("application/json") << false;
    QTest::newRow("batch format") << QByteArray("application/cloudevents-batch+json") << false;
    QTest::newRow("avro format") << QByteArray("application/cloudevents+avro") << false;
    QTest::newRow("empty") << QByteArray() << false;
}

void TestCloudEvent::contentType() {
    QFETCH(QByteArray, contentType);
    QFETCH(bool, structured);
    QCOMPARE(CloudEvents::isStructuredContentType(contentType), structured);
}

void TestCloudEvent::modeNames() {
    QCOMPARE(cloudEventsModeFromName("binary"), std::optional(CloudEventsMode::Binary));
    QCOMPARE(cloudEventsModeFromName("structured"), std::optional(CloudEventsMode::Structured));
    QCOMPARE(cloudEventsModeFromName("Binary"), std::nullopt);
    QCOMPARE(cloudEventsModeFromName(""), std::nullopt);
}

QTEST_APPLESS_MAIN(TestCloudEvent)
#include "tst_cloud_event.moc"

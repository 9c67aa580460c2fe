#include <backend/http/http_response_parser.h>
#include <backend/http/problem_details.h>

#include <QTest>

#include <nlohmann/json.hpp>

using namespace ToolCapture;

namespace {

nlohmann::json parseJson(const QByteArray &bytes) {
    return nlohmann::json::parse(bytes.constBegin(), bytes.constEnd());
}

struct Collector : HttpResponseParser::Handler {
    ResponseHead head;
    QByteArray body;
    bool complete = false;
    void onResponseHead(ResponseHead &&h) override { head = std::move(h); }
    void onResponseBody(const char *data, qsizetype size) override { body.append(data, size); }
    void onResponseComplete() override { complete = true; }
};

} // namespace

// Tests ProblemDetails: the RFC 9457 body, escaping, and a response our own parser accepts.
class TestProblemDetails : public QObject {
    Q_OBJECT

private slots:
    void jsonFields();
    void escapesQuotesAndControls();
    void invalidUtf8DoesNotThrow();
    void responseParsesBack_data();
    void responseParsesBack();
    void reasonPhrases();
};

void TestProblemDetails::jsonFields() {
    ProblemDetails problem{502, {}, "upstream inventory-1 refused the connection", {}};
    const nlohmann::json json = parseJson(problem.toJson("c-1"));
    QCOMPARE(json.at("type").get<std::string>(), std::string("about:blank"));
    QCOMPARE(json.at("title").get<std::string>(), std::string("Bad Gateway"));
    QCOMPARE(json.at("status").get<int>(), 502);
    QCOMPARE(json.at("detail").get<std::string>(),
             std::string("upstream inventory-1 refused the connection"));
    QCOMPARE(json.at("correlation_id").get<std::string>(), std::string("c-1"));

    ProblemDetails custom{429, "Slow down", "x", "https://toolcapture.dev/problems/rate-limit"};
    const nlohmann::json customJson = parseJson(custom.toJson("c-2"));
    QCOMPARE(customJson.at("type").get<std::string>(),
             std::string("https://toolcapture.dev/problems/rate-limit"));
    QCOMPARE(customJson.at("title").get<std::string>(), std::string("Slow down"));

    // No exchange to name (an error before a request head was read): no empty member.
    QVERIFY(!parseJson(problem.toJson({})).contains("correlation_id"));
}

void TestProblemDetails::escapesQuotesAndControls() {
    const QByteArray detail("obs-fold in field \"X\\Y\"\r\n\t\x01 end", 32);
    ProblemDetails problem{400, {}, detail, {}};
    const QByteArray json = problem.toJson("id\"1");
    QVERIFY(!json.contains('\r'));
    QVERIFY(!json.contains('\n'));
    QVERIFY(!json.contains('\x01'));
    QVERIFY(json.contains("\\u0001"));
    QVERIFY(json.contains("\\\"X\\\\Y\\\""));
    const nlohmann::json parsed = parseJson(json);
    QCOMPARE(QByteArray::fromStdString(parsed.at("detail").get<std::string>()), detail);
    QCOMPARE(parsed.at("correlation_id").get<std::string>(), std::string("id\"1"));
}

void TestProblemDetails::invalidUtf8DoesNotThrow() {
    ProblemDetails problem{400, {}, "bad byte \xff here", {}};
    QByteArray json;
    try {
        json = problem.toJson("c");
    } catch (...) {
        QFAIL("toJson threw on invalid UTF-8");
    }
    QVERIFY(parseJson(json).at("detail").get<std::string>().find("bad byte") == 0);
}

void TestProblemDetails::responseParsesBack_data() {
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("close");
    QTest::addColumn<QByteArray>("extra");
    QTest::newRow("400 close") << 400 << true << QByteArray();
    QTest::newRow("503 keep-alive retry-after")
        << 503 << false << QByteArray("Retry-After: 30\r\n");
    QTest::newRow("431 close") << 431 << true << QByteArray();
}

void TestProblemDetails::responseParsesBack() {
    QFETCH(int, status);
    QFETCH(bool, close);
    QFETCH(QByteArray, extra);
    ProblemDetails problem{status, {}, "detail \"quoted\"", {}};
    const QByteArray response = problem.toHttpResponse("corr-42", close, extra);
    Collector collector;
    HttpResponseParser parser(collector, {});
    parser.expectResponseTo("GET");
    QCOMPARE(parser.feed(response.constData(), response.size()), response.size());
    QVERIFY2(!parser.error().isError(), parser.error().detail.constData());
    QCOMPARE(parser.state(), HttpResponseParser::State::Complete);
    QVERIFY(collector.complete);
    QCOMPARE(collector.head.status, status);
    QCOMPARE(collector.head.reason, reasonPhrase(status));
    QCOMPARE(collector.head.keepAlive, !close);
    QCOMPARE(collector.head.framing, BodyFraming::ContentLength);
    const HttpHeader *type = findHeader(collector.head.headers, "content-type");
    QVERIFY(type);
    QCOMPARE(type->value, QByteArray("application/problem+json"));
    const HttpHeader *id = findHeader(collector.head.headers, "x-correlation-id");
    QVERIFY(id);
    QCOMPARE(id->value, QByteArray("corr-42"));
    if (!extra.isEmpty())
        QVERIFY(findHeader(collector.head.headers, "retry-after"));
    QCOMPARE(collector.body, problem.toJson("corr-42"));
    QCOMPARE(parseJson(collector.body).at("status").get<int>(), status);
}

void TestProblemDetails::reasonPhrases() {
    QCOMPARE(reasonPhrase(400), QByteArray("Bad Request"));
    QCOMPARE(reasonPhrase(414), QByteArray("URI Too Long"));
    QCOMPARE(reasonPhrase(431), QByteArray("Request Header Fields Too Large"));
    QCOMPARE(reasonPhrase(501), QByteArray("Not Implemented"));
    QCOMPARE(reasonPhrase(502), QByteArray("Bad Gateway"));
    QCOMPARE(reasonPhrase(505), QByteArray("HTTP Version Not Supported"));
    QCOMPARE(reasonPhrase(799), QByteArray("Unknown"));
}

QTEST_GUILESS_MAIN(TestProblemDetails)
#include "tst_problem_details.moc"

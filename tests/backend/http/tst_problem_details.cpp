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
    QTest::addColumn<QByteArray>("method");
    QTest::newRow("400 close") << 400 << true << QByteArray() << QByteArray("GET");
    QTest::newRow("503 keep-alive retry-after")
        << 503 << false << QByteArray("Retry-After: 30\r\n") << QByteArray("GET");
    QTest::newRow("431 close") << 431 << true << QByteArray() << QByteArray("POST");
    // A HEAD gets the head alone, with the length the body would have had.
    QTest::newRow("404 to a HEAD, kept alive")
        << 404 << false << QByteArray() << QByteArray("HEAD");
    QTest::newRow("502 to a HEAD, close") << 502 << true << QByteArray() << QByteArray("HEAD");
}

void TestProblemDetails::responseParsesBack() {
    QFETCH(int, status);
    QFETCH(bool, close);
    QFETCH(QByteArray, extra);
    QFETCH(QByteArray, method);
    ProblemDetails problem{status, {}, "detail \"quoted\"", {}};
    ProblemDetails::Framing framing;
    framing.close = close;
    framing.headOnly = method == "HEAD";
    framing.date = "Mon, 07 Dec 2026 19:34:52 GMT";
    framing.extraHeaderLines = extra;
    const QByteArray response = problem.toHttpResponse("corr-42", framing);
    // What follows on the connection must be read as the next response, not as this body.
    const QByteArray next = "HTTP/1.1 204 No Content\r\n\r\n";
    const QByteArray stream = response + next;
    Collector collector;
    HttpResponseParser parser(collector, {});
    parser.expectResponseTo(method);
    QCOMPARE(parser.feed(stream.constData(), stream.size()), response.size());
    QVERIFY2(!parser.error().isError(), parser.error().detail.constData());
    QCOMPARE(parser.state(), HttpResponseParser::State::Complete);
    QVERIFY(collector.complete);
    QCOMPARE(collector.head.status, status);
    QCOMPARE(collector.head.reason, reasonPhrase(status));
    QCOMPARE(collector.head.keepAlive, !close);
    const HttpHeader *type = findHeader(collector.head.headers, "content-type");
    QVERIFY(type);
    QCOMPARE(type->value, QByteArray("application/problem+json"));
    const HttpHeader *id = findHeader(collector.head.headers, "x-correlation-id");
    QVERIFY(id);
    QCOMPARE(id->value, QByteArray("corr-42"));
    const HttpHeader *date = findHeader(collector.head.headers, "date");
    QVERIFY(date);
    QCOMPARE(date->value, QByteArray("Mon, 07 Dec 2026 19:34:52 GMT"));
    if (!extra.isEmpty())
        QVERIFY(findHeader(collector.head.headers, "retry-after"));
    const QByteArray json = problem.toJson("corr-42");
    const HttpHeader *length = findHeader(collector.head.headers, "content-length");
    QVERIFY(length);
    QCOMPARE(length->value, QByteArray::number(json.size()));
    if (method == "HEAD") {
        QVERIFY(collector.body.isEmpty());
        QVERIFY(response.endsWith("\r\n\r\n"));
        return;
    }
    QCOMPARE(collector.head.framing, BodyFraming::ContentLength);
    QCOMPARE(collector.body, json);
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

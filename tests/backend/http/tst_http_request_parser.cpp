#include <backend/http/http_request_parser.h>
#include <backend/http/llhttp_session.h>
#include <tests/support/malformed_requests.h>

#include <QTest>

#include <llhttp.h>

#include "request_harness.h"

using namespace ToolCapture;

Q_DECLARE_METATYPE(ToolCapture::BodyFraming)

namespace {

const QByteArray kHost = "Host: a\r\n";

QByteArray get(const QByteArray &fields) {
    return "GET / HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n";
}

QByteArray post(const QByteArray &fields, const QByteArray &body) {
    return "POST / HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n" + body;
}

QByteArray chunked(const QByteArray &body) {
    return post("Transfer-Encoding: chunked\r\n", body);
}

// Feeds `raw` to a bare llhttp parser as built for this project (strict mode, no lenient
// flags).
bool llhttpAccepts(const QByteArray &raw) {
    llhttp_settings_t settings;
    llhttp_settings_init(&settings);
    llhttp_t parser;
    llhttp_init(&parser, HTTP_REQUEST, &settings);
    return llhttp_execute(&parser, raw.constData(), size_t(raw.size())) == HPE_OK;
}

// A handler that keeps one request at a time and gives the previous one back to the parser
// (a client session does so), and holds a copy of some pieces of each (as a capture record
// does), checking every head against the request it came from.
struct SwappingRun : HttpRequestParser::Handler {
    RequestHead current;
    std::vector<RequestHead> expected;
    QList<QByteArray> held; // shared copies, as a capture record keeps them
    size_t seen = 0;
    bool ok = true;

    void onRequestHead(RequestHead &&head) override {
        std::swap(current, head);
        const RequestHead &want = expected.at(seen++);
        ok = ok && current.method == want.method && current.target == want.target &&
             current.headers.size() == want.headers.size();
        for (size_t i = 0; ok && i < want.headers.size(); ++i) {
            ok = current.headers[i].name == want.headers[i].name &&
                 current.headers[i].value == want.headers[i].value;
        }
        if (seen % 2 == 0 && !current.headers.empty()) {
            held.append(current.headers.front().value);
            held.append(current.method);
        }
    }
    void onRequestBody(const char *, qsizetype) override {}
    void onRequestComplete() override {}
};

// A handler that reads each head in place and adds a field to it, as the proxy adds its
// validators to a request it revalidates a stored response with.
struct AddingRun : HttpRequestParser::Handler {
    int heads = 0;
    void onRequestHead(RequestHead &&head) override {
        ++heads;
        head.headers.push_back({"If-None-Match", "\"v1\""});
    }
    void onRequestBody(const char *, qsizetype) override {}
    void onRequestComplete() override {}
};

} // namespace

// Tests HttpRequestParser: the strictness table, valid requests, pausing, pipelining, limits.
class TestHttpRequestParser : public QObject {
    Q_OBJECT

private slots:
    void llhttpBaseline_data();
    void llhttpBaseline();
    void malformed_data();
    void malformed();
    void valid_data();
    void valid();
    void pipelinedRequestsComeOutOneAtATime();
    void reusedHeadStorage_data();
    void errorNamesTheField_data();
    void errorNamesTheField();
    void reusedHeadStorage();
    void addedFieldsAreNotKeptForever();
    void webSocketUpgrade_data();
    void webSocketUpgrade();
    void closingRequestEndsTheConnection_data();
    void closingRequestEndsTheConnection();
    void noHandlerCallAfterError();
    void pausedParserConsumesNothing();
    void finishMidMessageFails();
    void requestLineLimit_data();
    void requestLineLimit();
    void headerBytesLimit_data();
    void headerBytesLimit();
    void headerCountLimit_data();
    void headerCountLimit();
    void pathOfTarget_data();
    void pathOfTarget();
    void targetNormalized_data();
    void targetNormalized();
    void targetOrHostRefused_data();
    void targetOrHostRefused();
    void refusedRequestLineKept_data();
    void refusedRequestLineKept();
};

void TestHttpRequestParser::llhttpBaseline_data() {
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<bool>("acceptedByLlhttp");
    // What llhttp alone rejects ...
    QTest::newRow("cl+te") << post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                                   "0\r\n\r\n")
                           << false;
    QTest::newRow("duplicate cl") << post("Content-Length: 1\r\nContent-Length: 1\r\n", "ab")
                                  << false;
    QTest::newRow("+4") << post("Content-Length: +4\r\n", "abcd") << false;
    QTest::newRow("0x chunk") << chunked("0x5\r\nhello\r\n0\r\n\r\n") << false;
    QTest::newRow("nul in header") << get(QByteArray("X: a\0b\r\n", 8)) << false;
    QTest::newRow("bare LF line ends") << QByteArray("GET / HTTP/1.1\nHost: a\n\n") << false;
    // What only strict mode refuses (LLHTTP_STRICT_MODE, see third_party/CMakeLists.txt) ...
    QTest::newRow("strict: space before colon") << get("X-Foo : a\r\n") << false;
    QTest::newRow("strict: space in a field name") << get("X Foo: a\r\n") << false;
    QTest::newRow("strict: tab in the target")
        << QByteArray("GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n") << false;
    QTest::newRow("strict: form feed in the target")
        << QByteArray("GET /a\fb HTTP/1.1\r\nHost: a\r\n\r\n") << false;
    QTest::newRow("strict: raw non-ASCII byte in the target")
        << QByteArray("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n") << false;
    QTest::newRow("strict: chunk data without its CRLF") << chunked("1\r\nxy0\r\n\r\n") << false;
    // ... and what it accepts, hence our own checks.
    QTest::newRow("obs-fold") << get("X-Foo: a\r\n b\r\n") << true;
    QTest::newRow("identity, chunked")
        << chunked("0\r\n\r\n").replace("chunked", "identity, chunked") << true;
    QTest::newRow("HTTP/2.0") << QByteArray("GET / HTTP/2.0\r\nHost: a\r\n\r\n") << true;
    // NOTE: valid per RFC 9112, refused by llhttp 8.1, so by us too (400).
    QTest::newRow("two chunk extensions with values")
        << chunked("1;a=b;c=d\r\nx\r\n0\r\n\r\n") << false;
}

void TestHttpRequestParser::llhttpBaseline() {
    QFETCH(QByteArray, raw);
    QFETCH(bool, acceptedByLlhttp);
    QCOMPARE(llhttpAccepts(raw), acceptedByLlhttp);
    // Whatever llhttp thinks, we refuse every one of them.
    QVERIFY(RequestRun::run(raw, 0).error.isError());
}

void TestHttpRequestParser::malformed_data() {
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<int>("status");
    // The table is shared with the proxy suites (tst_proxy_malformed).
    for (const MalformedRequest &row : malformedRequests())
        QTest::newRow(row.name) << row.raw << row.status;
}

void TestHttpRequestParser::malformed() {
    QFETCH(QByteArray, raw);
    QFETCH(int, status);
    const RequestRun whole = RequestRun::run(raw, 0);
    QVERIFY2(whole.error.isError(), "accepted");
    QCOMPARE(whole.error.status, status);
    QVERIFY(!whole.error.title.isEmpty());
    QVERIFY(!whole.error.detail.isEmpty());
    QVERIFY(!whole.stalled);
    const RequestRun bytewise = RequestRun::run(raw, 1);
    QCOMPARE(bytewise.error.status, status);
    QCOMPARE(bytewise.error.detail, whole.error.detail);
    QCOMPARE(bytewise.events, whole.events);
}

void TestHttpRequestParser::valid_data() {
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("minor");
    QTest::addColumn<BodyFraming>("framing");
    QTest::addColumn<qint64>("contentLength");
    QTest::addColumn<bool>("keepAlive");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("fields");

    const auto None = BodyFraming::None;
    const auto CL = BodyFraming::ContentLength;
    const auto Chunked = BodyFraming::Chunked;
    QTest::newRow("GET") << QByteArray("GET /a?b=c HTTP/1.1\r\nHost: a\r\n\r\n")
                         << QByteArray("GET") << QByteArray("/a?b=c") << 1 << None << 0LL << true
                         << QByteArray() << 1;
    QTest::newRow("POST CL") << post("Content-Length: 5\r\n", "hello") << QByteArray("POST")
                             << QByteArray("/") << 1 << CL << 5LL << true << QByteArray("hello")
                             << 2;
    QTest::newRow("CL zero") << post("Content-Length: 0\r\n", "") << QByteArray("POST")
                             << QByteArray("/") << 1 << None << 0LL << true << QByteArray() << 2;
    QTest::newRow("CL leading zeros")
        << post("Content-Length: 003\r\n", "abc") << QByteArray("POST") << QByteArray("/") << 1
        << CL << 3LL << true << QByteArray("abc") << 2;
    QTest::newRow("body with bare LF")
        << post("Content-Length: 4\r\n", "a\nb\r") << QByteArray("POST") << QByteArray("/") << 1
        << CL << 4LL << true << QByteArray("a\nb\r") << 2;
    QTest::newRow("chunked ext trailers") << chunked("5;name=value\r\nhello\r\n6;q=\"a b\"\r\n "
                                                     "world\r\n1;x;y\r\n!\r\n0\r\nX-T: t\r\n\r\n")
                                          << QByteArray("POST") << QByteArray("/") << 1 << Chunked
                                          << 0LL << true << QByteArray("hello world!") << 2;
    QTest::newRow("chunked hex upper")
        << chunked("A\r\n0123456789\r\n0\r\n\r\n") << QByteArray("POST") << QByteArray("/") << 1
        << Chunked << 0LL << true << QByteArray("0123456789") << 2;
    QTest::newRow("chunked LF in data")
        << chunked("3\r\na\nb\r\n0\r\n\r\n") << QByteArray("POST") << QByteArray("/") << 1
        << Chunked << 0LL << true << QByteArray("a\nb") << 2;
    QTest::newRow("TE tab chunked")
        << post("Transfer-Encoding:\tchunked\r\n", "1\r\nx\r\n0\r\n\r\n") << QByteArray("POST")
        << QByteArray("/") << 1 << Chunked << 0LL << true << QByteArray("x") << 2;
    QTest::newRow("TE CHUNKED") << post("Transfer-Encoding: CHUNKED\r\n", "0\r\n\r\n")
                                << QByteArray("POST") << QByteArray("/") << 1 << Chunked << 0LL
                                << true << QByteArray() << 2;
    QTest::newRow("absolute-form")
        << QByteArray("GET http://example.com/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n")
        << QByteArray("GET") << QByteArray("/x?y") << 1 << None << 0LL << true << QByteArray() << 1;
    QTest::newRow("OPTIONS *") << QByteArray("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n")
                               << QByteArray("OPTIONS") << QByteArray("*") << 1 << None << 0LL
                               << true << QByteArray() << 1;
    QTest::newRow("HTTP/1.0 keep-alive")
        << QByteArray("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n") << QByteArray("GET")
        << QByteArray("/") << 0 << None << 0LL << true << QByteArray() << 1;
    QTest::newRow("HTTP/1.0 default close")
        << QByteArray("GET / HTTP/1.0\r\n\r\n") << QByteArray("GET") << QByteArray("/") << 0 << None
        << 0LL << false << QByteArray() << 0;
    QTest::newRow("HTTP/1.1 close")
        << get("Connection: close\r\n") << QByteArray("GET") << QByteArray("/") << 1 << None << 0LL
        << false << QByteArray() << 2;
    QTest::newRow("values with tabs")
        << get("X-T: a\tb\t \r\nX-E:\r\n") << QByteArray("GET") << QByteArray("/") << 1 << None
        << 0LL << true << QByteArray() << 3;
    QTest::newRow("obs-text value")
        << get("X-U: caf\xc3\xa9\r\n") << QByteArray("GET") << QByteArray("/") << 1 << None << 0LL
        << true << QByteArray() << 2;
    QTest::newRow("leading CRLF") << "\r\n" + get("") << QByteArray("GET") << QByteArray("/") << 1
                                  << None << 0LL << true << QByteArray() << 1;
    QTest::newRow("upgrade h2c ignored")
        << get("Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMA\r\n")
        << QByteArray("GET") << QByteArray("/") << 1 << None << 0LL << true << QByteArray() << 4;
    QTest::newRow("DELETE with body") << QByteArray("DELETE /x HTTP/1.1\r\nHost: a\r\n"
                                                    "Content-Length: 2\r\n\r\n{}")
                                      << QByteArray("DELETE") << QByteArray("/x") << 1 << CL << 2LL
                                      << true << QByteArray("{}") << 2;
}

void TestHttpRequestParser::valid() {
    QFETCH(QByteArray, raw);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(int, minor);
    QFETCH(BodyFraming, framing);
    QFETCH(qint64, contentLength);
    QFETCH(bool, keepAlive);
    QFETCH(QByteArray, body);
    QFETCH(int, fields);

    for (qsizetype piece : {qsizetype(0), qsizetype(1), qsizetype(2), qsizetype(7)}) {
        const RequestRun run = RequestRun::run(raw, piece);
        QVERIFY2(!run.error.isError(), run.error.detail.constData());
        QVERIFY(!run.stalled);
        QCOMPARE(run.heads.size(), size_t(1));
        const RequestHead &head = run.heads.front();
        QCOMPARE(head.method, method);
        QCOMPARE(head.target, target);
        QCOMPARE(head.versionMinor, minor);
        QCOMPARE(head.framing, framing);
        QCOMPARE(head.contentLength, contentLength);
        QCOMPARE(head.keepAlive, keepAlive);
        QCOMPARE(int(head.headers.size()), fields);
        QCOMPARE(run.bodies.value(0), body);
        QCOMPARE(run.completes, 1);
        QCOMPARE(run.events, body.isEmpty() ? QByteArray("HC") : QByteArray("HBC"));
    }
}

void TestHttpRequestParser::pipelinedRequestsComeOutOneAtATime() {
    const QByteArray first = get("X-N: 1\r\n");
    const QByteArray secondHead = "POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n";
    const QByteArray thirdHead = "PUT /three HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                                 "\r\n";
    const QByteArray thirdBody = "2\r\nhi\r\n0\r\n\r\n";
    const QByteArray all = first + secondHead + "abc" + thirdHead + thirdBody;

    RequestRun rec;
    HttpRequestParser parser(rec, {});
    using State = HttpRequestParser::State;
    qsizetype offset = 0;

    offset += parser.feed(all.constData() + offset, all.size() - offset);
    QCOMPARE(offset, first.size());
    QCOMPARE(parser.state(), State::PausedAtHead);
    QCOMPARE(rec.events, QByteArray("H"));
    QCOMPARE(parser.feed(all.constData() + offset, all.size() - offset), 0);
    parser.resume(); // no body: completes at once
    QCOMPARE(parser.state(), State::PausedAtEnd);
    QCOMPARE(rec.events, QByteArray("HC"));
    parser.resume();
    QCOMPARE(parser.state(), State::Idle);

    offset += parser.feed(all.constData() + offset, all.size() - offset);
    QCOMPARE(offset, first.size() + secondHead.size());
    QCOMPARE(parser.state(), State::PausedAtHead);
    QCOMPARE(rec.heads.back().target, QByteArray("/two"));
    parser.resume();
    QCOMPARE(parser.state(), State::Body);
    offset += parser.feed(all.constData() + offset, all.size() - offset);
    QCOMPARE(offset, first.size() + secondHead.size() + 3);
    QCOMPARE(parser.state(), State::PausedAtEnd);
    QCOMPARE(rec.bodies.value(1), QByteArray("abc"));
    parser.resume();

    offset += parser.feed(all.constData() + offset, all.size() - offset);
    QCOMPARE(parser.state(), State::PausedAtHead);
    QCOMPARE(rec.heads.back().target, QByteArray("/three"));
    parser.resume();
    offset += parser.feed(all.constData() + offset, all.size() - offset);
    QCOMPARE(offset, all.size());
    QCOMPARE(parser.state(), State::PausedAtEnd);
    QCOMPARE(rec.bodies.value(2), QByteArray("hi"));
    QCOMPARE(rec.events, QByteArray("HCHBCHBC"));
    parser.resume();
    QCOMPARE(parser.state(), State::Idle);
    parser.finish();
    QVERIFY(!parser.error().isError());
}

void TestHttpRequestParser::webSocketUpgrade_data() {
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<bool>("upgrade");
    QTest::newRow("websocket") << get("Connection: Upgrade\r\nUpgrade: websocket\r\n") << true;
    QTest::newRow("case and list")
        << get("Connection: keep-alive, UPGRADE\r\nUpgrade: WebSocket\r\n") << true;
    QTest::newRow("no Connection: upgrade") << get("Upgrade: websocket\r\n") << false;
    QTest::newRow("h2c") << get("Connection: Upgrade\r\nUpgrade: h2c\r\n") << false;
    QTest::newRow("two tokens") << get("Connection: Upgrade\r\nUpgrade: websocket, h2c\r\n")
                                << false;
    QTest::newRow("two fields") << get("Connection: Upgrade\r\nUpgrade: websocket\r\n"
                                       "Upgrade: websocket\r\n")
                                << false;
    QTest::newRow("HTTP/1.0") << QByteArray("GET / HTTP/1.0\r\nHost: a\r\nConnection: Upgrade\r\n"
                                            "Upgrade: websocket\r\n\r\n")
                              << false;
    QTest::newRow("with a body") << post("Connection: Upgrade\r\nUpgrade: websocket\r\n"
                                         "Content-Length: 2\r\n",
                                         "hi")
                                 << false;
    QTest::newRow("plain") << get("") << false;
}

void TestHttpRequestParser::webSocketUpgrade() {
    QFETCH(QByteArray, raw);
    QFETCH(bool, upgrade);
    for (qsizetype piece : {qsizetype(0), qsizetype(1)}) {
        const RequestRun run = RequestRun::run(raw, piece);
        QVERIFY(!run.error.isError());
        QCOMPARE(run.heads.size(), size_t(1));
        QCOMPARE(run.heads[0].upgradeWebSocket, upgrade);
    }
}

void TestHttpRequestParser::closingRequestEndsTheConnection_data() {
    QTest::addColumn<QByteArray>("first");
    QTest::addColumn<bool>("keepAlive");
    QTest::addColumn<QByteArray>("events");
    // llhttp must agree: it silently drops what follows a request it considers the last, so a
    // pipelined request must be refused, not lost (it used to vanish, or spin the parser).
    QTest::newRow("Connection: close") << get("Connection: close\r\n") << false << QByteArray("HC");
    QTest::newRow("HTTP/1.0 keep-alive with a tab")
        << QByteArray("GET / HTTP/1.0\r\nConnection: keep-alive\t\r\n\r\n") << false
        << QByteArray("HC");
    QTest::newRow("trailer Connection: close")
        << chunked("1\r\nx\r\n0\r\nConnection: close\r\n\r\n") << true << QByteArray("HBC");
}

void TestHttpRequestParser::closingRequestEndsTheConnection() {
    QFETCH(QByteArray, first);
    QFETCH(bool, keepAlive);
    QFETCH(QByteArray, events);
    const QByteArray raw = first + get("");
    for (qsizetype piece : {qsizetype(0), qsizetype(1)}) {
        const RequestRun run = RequestRun::run(raw, piece);
        QVERIFY(!run.stalled);
        QCOMPARE(run.heads.size(), size_t(1));
        QCOMPARE(run.heads[0].keepAlive, keepAlive);
        QCOMPARE(run.events, events);
        QCOMPARE(run.error.status, 400);
        QCOMPARE(run.error.detail, QByteArray("data after the last message on this connection"));
    }
}

void TestHttpRequestParser::noHandlerCallAfterError() {
    const QByteArray raw = get("X: a\r\n b\r\n") + get("");
    RequestRun rec;
    HttpRequestParser parser(rec, {});
    parser.feed(raw.constData(), raw.size());
    QCOMPARE(parser.state(), HttpRequestParser::State::Failed);
    QCOMPARE(parser.error().detail, QByteArray("obs-fold in field 'X'"));
    QCOMPARE(parser.feed(raw.constData(), raw.size()), 0);
    parser.resume();
    parser.finish();
    QVERIFY(rec.events.isEmpty());
    QCOMPARE(parser.state(), HttpRequestParser::State::Failed);
}

void TestHttpRequestParser::pausedParserConsumesNothing() {
    const QByteArray raw = post("Content-Length: 2\r\n", "ok");
    RequestRun rec;
    HttpRequestParser parser(rec, {});
    const qsizetype head = parser.feed(raw.constData(), raw.size());
    QCOMPARE(head, raw.size() - 2);
    QCOMPARE(parser.feed(raw.constData() + head, 2), 0);
    QVERIFY(rec.bodies.value(0).isEmpty());
    parser.resume();
    QCOMPARE(parser.feed(raw.constData() + head, 1), 1);
    QCOMPARE(parser.state(), HttpRequestParser::State::Body);
    QCOMPARE(parser.feed(raw.constData() + head + 1, 1), 1);
    QCOMPARE(parser.state(), HttpRequestParser::State::PausedAtEnd);
    QCOMPARE(rec.bodies.value(0), QByteArray("ok"));
}

void TestHttpRequestParser::finishMidMessageFails() {
    const QByteArray raw = post("Content-Length: 5\r\n", "he");
    RequestRun rec;
    HttpRequestParser parser(rec, {});
    qsizetype offset = parser.feed(raw.constData(), raw.size());
    parser.resume();
    offset += parser.feed(raw.constData() + offset, raw.size() - offset);
    QCOMPARE(offset, raw.size());
    parser.finish();
    QCOMPARE(parser.state(), HttpRequestParser::State::Failed);
    QCOMPARE(parser.error().status, 400);
    QCOMPARE(parser.error().detail, QByteArray("incomplete request"));
    QCOMPARE(rec.completes, 0);
}

void TestHttpRequestParser::requestLineLimit_data() {
    QTest::addColumn<int>("extra");
    QTest::addColumn<int>("status");
    QTest::newRow("limit - 1") << -1 << 0;
    QTest::newRow("limit") << 0 << 0;
    QTest::newRow("limit + 1") << 1 << 414;
}

void TestHttpRequestParser::requestLineLimit() {
    QFETCH(int, extra);
    QFETCH(int, status);
    HttpRequestParser::Limits limits;
    limits.maxRequestLine = 100;
    const QByteArray prefix = "GET /";
    const QByteArray suffix = " HTTP/1.1";
    const QByteArray line =
        prefix + QByteArray(limits.maxRequestLine + extra - prefix.size() - suffix.size(), 'a') +
        suffix;
    QCOMPARE(line.size(), limits.maxRequestLine + extra);
    const QByteArray raw = line + "\r\nHost: a\r\n\r\n";
    for (qsizetype piece : {qsizetype(0), qsizetype(1)}) {
        const RequestRun run = RequestRun::run(raw, piece, limits);
        QCOMPARE(run.error.status, status);
        QCOMPARE(run.completes, status == 0 ? 1 : 0);
    }
    if (status != 0) {
        // Refused as soon as the limit is passed, before the line ends.
        RequestRun rec;
        HttpRequestParser parser(rec, limits);
        qsizetype fed = 0;
        while (parser.state() != HttpRequestParser::State::Failed && fed < line.size())
            fed += parser.feed(line.constData() + fed, 1) == 1 ? 1 : line.size();
        QCOMPARE(parser.error().status, 414);
    }
}

void TestHttpRequestParser::headerBytesLimit_data() {
    QTest::addColumn<int>("extra");
    QTest::addColumn<int>("status");
    QTest::newRow("limit - 1") << -1 << 0;
    QTest::newRow("limit") << 0 << 0;
    QTest::newRow("limit + 1") << 1 << 431;
}

void TestHttpRequestParser::headerBytesLimit() {
    QFETCH(int, extra);
    QFETCH(int, status);
    HttpRequestParser::Limits limits;
    limits.maxHeaderBytes = 300;
    const QByteArray start = "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: ";
    const QByteArray end = "\r\n\r\n";
    const QByteArray raw =
        start + QByteArray(limits.maxHeaderBytes + extra - start.size() - end.size(), 'p') + end;
    QCOMPARE(raw.size(), limits.maxHeaderBytes + extra);
    for (qsizetype piece : {qsizetype(0), qsizetype(1), qsizetype(64)}) {
        const RequestRun run = RequestRun::run(raw, piece, limits);
        QCOMPARE(run.error.status, status);
        QCOMPARE(run.completes, status == 0 ? 1 : 0);
    }
}

void TestHttpRequestParser::headerCountLimit_data() {
    QTest::addColumn<int>("extra");
    QTest::addColumn<int>("status");
    QTest::newRow("limit - 1") << -1 << 0;
    QTest::newRow("limit") << 0 << 0;
    QTest::newRow("limit + 1") << 1 << 431;
}

void TestHttpRequestParser::headerCountLimit() {
    QFETCH(int, extra);
    QFETCH(int, status);
    HttpRequestParser::Limits limits;
    limits.maxHeaderCount = 20;
    QByteArray fields;
    for (int i = 1; i < limits.maxHeaderCount + extra; ++i) // plus Host
        fields += "X-F" + QByteArray::number(i) + ": v\r\n";
    const QByteArray raw = get(fields);
    for (qsizetype piece : {qsizetype(0), qsizetype(1)}) {
        const RequestRun run = RequestRun::run(raw, piece, limits);
        QCOMPARE(run.error.status, status);
        if (status == 0)
            QCOMPARE(int(run.heads.front().headers.size()), limits.maxHeaderCount + extra);
    }
}

void TestHttpRequestParser::pathOfTarget_data() {
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("path");
    QTest::newRow("origin") << QByteArray("/a/b?c=d") << QByteArray("/a/b");
    QTest::newRow("origin no query") << QByteArray("/a") << QByteArray("/a");
    QTest::newRow("absolute") << QByteArray("http://h:8/x/y?z") << QByteArray("/x/y");
    QTest::newRow("absolute no path") << QByteArray("http://h?z") << QByteArray("/");
    QTest::newRow("asterisk") << QByteArray("*") << QByteArray("*");
}

void TestHttpRequestParser::pathOfTarget() {
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, path);
    RequestHead head;
    head.target = target;
    QCOMPARE(head.path().toByteArray(), path);
}

// One connection, many requests with different field counts and sizes, the handler giving
// each request back when the next comes: every head is the request's own, nothing of an earlier,
// larger or smaller head shows through the reused storage.
void TestHttpRequestParser::reusedHeadStorage_data() {
    QTest::addColumn<qsizetype>("piece");
    QTest::newRow("whole") << qsizetype(0);
    QTest::newRow("1 byte") << qsizetype(1);
    QTest::newRow("7 bytes") << qsizetype(7);
    QTest::newRow("100 bytes") << qsizetype(100);
}

void TestHttpRequestParser::reusedHeadStorage() {
    QFETCH(qsizetype, piece);
    const int counts[] = {1, 30, 2, 0, 99, 5, 5, 60, 1};
    const int sizes[] = {3, 200, 1, 0, 20, 2000, 0, 7, 300};
    SwappingRun run;
    QByteArray raw;
    for (size_t round = 0; round < std::size(counts); ++round) {
        RequestHead want;
        want.method = round % 3 == 0 ? "DELETE" : "GET";
        want.target =
            "/r" + QByteArray::number(qsizetype(round)) + QByteArray(int(round * 37), 'p');
        want.headers.push_back({"Host", "h" + QByteArray::number(qsizetype(round))});
        for (int i = 1; i < counts[round]; ++i) {
            want.headers.push_back({"X-F" + QByteArray::number(i) + QByteArray(i % 5, 'n'),
                                    QByteArray(sizes[round] + i % 3, char('a' + round))});
        }
        raw += want.method + ' ' + want.target + " HTTP/1.1\r\n";
        for (const HttpHeader &h : want.headers)
            raw += h.name + ": " + h.value + "\r\n";
        raw += "\r\n";
        run.expected.push_back(std::move(want));
    }
    HttpRequestParser parser(run, {});
    using State = HttpRequestParser::State;
    qsizetype offset = 0;
    while (offset < raw.size() && parser.state() != State::Failed) {
        const qsizetype length = piece > 0 ? qMin(piece, raw.size() - offset) : raw.size() - offset;
        offset += parser.feed(raw.constData() + offset, length);
        while (parser.state() == State::PausedAtHead || parser.state() == State::PausedAtEnd)
            parser.resume();
    }
    QCOMPARE(parser.state(), State::Idle);
    QCOMPARE(run.seen, std::size(counts));
    QVERIFY(run.ok);
    // The copies held across later requests kept their own bytes.
    QCOMPARE(run.held.size(), 8);
    QCOMPARE(run.held.at(0), QByteArray("h1"));
    QCOMPARE(run.held.at(1), QByteArray("GET"));
    QCOMPARE(run.held.at(2), QByteArray("h3"));
    QCOMPARE(run.held.at(3), QByteArray("DELETE"));
}

// Fields a handler adds to a head come back to the parser with it; the parser keeps fields of
// earlier heads for the next ones only up to a bound (without it, one more per request).
void TestHttpRequestParser::addedFieldsAreNotKeptForever() {
    const QByteArray one = get("Accept: */*\r\nX-Trace: abc\r\n");
    QByteArray raw;
    constexpr int kRequests = 300;
    for (int i = 0; i < kRequests; ++i)
        raw += one;
    AddingRun run;
    HttpRequestParser parser(run, {});
    using State = HttpRequestParser::State;
    qsizetype offset = 0;
    while (offset < raw.size() && parser.state() != State::Failed) {
        offset += parser.feed(raw.constData() + offset, raw.size() - offset);
        while (parser.state() == State::PausedAtHead || parser.state() == State::PausedAtEnd)
            parser.resume();
    }
    QCOMPARE(parser.state(), State::Idle);
    QCOMPARE(run.heads, kRequests);
    QVERIFY2(parser.spareFieldCount() <= LlhttpSession::kMaxSpareFields,
             qPrintable(QString::number(parser.spareFieldCount())));
}

// An error in a field line names the field, however the head was cut into reads: the name may
// lie in the bytes of the current read, in an earlier one, or across both.
void TestHttpRequestParser::errorNamesTheField_data() {
    QTest::addColumn<QByteArray>("fields");
    QTest::addColumn<QByteArray>("detail");
    QTest::newRow("obs-fold") << QByteArray("X-Long-Field-Name: v\r\n folded\r\n")
                              << QByteArray("obs-fold in field 'X-Long-Field-Name'");
    QTest::newRow("obs-fold after two") << QByteArray("X-A: 1\r\nX-Bee: 2\r\n\tfolded\r\n")
                                        << QByteArray("obs-fold in field 'X-Bee'");
    QTest::newRow("bare LF in value")
        << QByteArray("X-Field: a\nb\r\n") << QByteArray("bare LF in field 'X-Field'");
    QTest::newRow("bare CR in value")
        << QByteArray("X-A: 1\r\nX-Field: a\rb\r\n") << QByteArray("bare CR in field 'X-Field'");
    QTest::newRow("control in value")
        << QByteArray("X-Field: a\x01\r\n")
        << QByteArray("invalid character 0x01 in the value of field 'X-Field'");
    QTest::newRow("space before colon")
        << QByteArray("X-Some-Field : v\r\n")
        << QByteArray("whitespace between field name and colon in 'X-Some-Field'");
    QTest::newRow("no colon") << QByteArray("X-No-Colon\r\n")
                              << QByteArray("field line without a colon: 'X-No-Colon'");
    QTest::newRow("no colon, words")
        << QByteArray("X-Note two words\r\n") << QByteArray("field line without a colon: 'X-Note'");
    QTest::newRow("space in the name")
        << QByteArray("X-Some Field: v\r\n") << QByteArray("whitespace in field name 'X-Some'");
    QTest::newRow("spaces, then colon")
        << QByteArray("X-Some-Field \t : v\r\n")
        << QByteArray("whitespace between field name and colon in 'X-Some-Field'");
    QTest::newRow("long name") << QByteArray("X-" + QByteArray(100, 'n') + ": a\x01\r\n")
                               << QByteArray("invalid character 0x01 in the value of field 'X-" +
                                             QByteArray(62, 'n') + "'");
}

void TestHttpRequestParser::errorNamesTheField() {
    QFETCH(QByteArray, fields);
    QFETCH(QByteArray, detail);
    const QByteArray raw = get(fields);
    for (const qsizetype piece : {qsizetype(0), qsizetype(1), qsizetype(2), qsizetype(3),
                                  qsizetype(5), qsizetype(7), qsizetype(16)}) {
        const RequestRun run = RequestRun::run(raw, piece);
        QCOMPARE(run.error.status, 400);
        QCOMPARE(run.error.detail, detail);
    }
}

void TestHttpRequestParser::targetNormalized_data() {
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("hostFields"); // as sent, each "Host: ...\r\n"
    QTest::addColumn<int>("minor");
    QTest::addColumn<QByteArray>("expectedTarget");
    QTest::addColumn<QByteArray>("expectedHost");

    const QByteArray hostA = "Host: a\r\n";
    // absolute-form: the authority ends at '/', '?' or '#' and replaces the Host field
    QTest::newRow("absolute") << QByteArray("http://h.test/x?y") << QByteArray("Host: other\r\n")
                              << 1 << QByteArray("/x?y") << QByteArray("h.test");
    QTest::newRow("absolute, port and query only")
        << QByteArray("http://x:80?a=1&b=/c") << hostA << 1 << QByteArray("/?a=1&b=/c")
        << QByteArray("x:80");
    QTest::newRow("absolute, no path")
        << QByteArray("HTTP://h:8080") << hostA << 1 << QByteArray("/") << QByteArray("h:8080");
    QTest::newRow("absolute, https")
        << QByteArray("https://h/t/echo") << hostA << 1 << QByteArray("/t/echo") << QByteArray("h");
    QTest::newRow("absolute, fragment")
        << QByteArray("http://h/x#f") << hostA << 1 << QByteArray("/x") << QByteArray("h");
    QTest::newRow("absolute, HTTP/1.0 without Host")
        << QByteArray("http://h/p") << QByteArray() << 0 << QByteArray("/p") << QByteArray("h");
    QTest::newRow("absolute, IPv6 literal") << QByteArray("http://[::1]:8080/p") << hostA << 1
                                            << QByteArray("/p") << QByteArray("[::1]:8080");
    // origin-form: fragments dropped, dot segments removed (also percent-encoded), query kept
    QTest::newRow("plain") << QByteArray("/a/b.c/d?x=../y") << hostA << 1
                           << QByteArray("/a/b.c/d?x=../y") << QByteArray("a");
    QTest::newRow("fragment") << QByteArray("/a?q#frag") << hostA << 1 << QByteArray("/a?q")
                              << QByteArray("a");
    QTest::newRow("dot") << QByteArray("/a/./b") << hostA << 1 << QByteArray("/a/b")
                         << QByteArray("a");
    QTest::newRow("dot-dot") << QByteArray("/svc/../admin?x") << hostA << 1
                             << QByteArray("/admin?x") << QByteArray("a");
    QTest::newRow("dot-dot above the root")
        << QByteArray("/../../etc") << hostA << 1 << QByteArray("/etc") << QByteArray("a");
    QTest::newRow("trailing dot-dot")
        << QByteArray("/a/b/..") << hostA << 1 << QByteArray("/a/") << QByteArray("a");
    QTest::newRow("trailing dot") << QByteArray("/a/.") << hostA << 1 << QByteArray("/a/")
                                  << QByteArray("a");
    QTest::newRow("encoded dot-dot")
        << QByteArray("/s/%2e%2E/x") << hostA << 1 << QByteArray("/x") << QByteArray("a");
    QTest::newRow("half-encoded dot-dot")
        << QByteArray("/s/.%2e/x") << hostA << 1 << QByteArray("/x") << QByteArray("a");
    QTest::newRow("empty segments kept")
        << QByteArray("/a//./b") << hostA << 1 << QByteArray("/a//b") << QByteArray("a");
    QTest::newRow("dots in names kept") << QByteArray("/.well-known/...x/..y") << hostA << 1
                                        << QByteArray("/.well-known/...x/..y") << QByteArray("a");
    QTest::newRow("Host with port and sub-delims")
        << QByteArray("/") << QByteArray("Host: a-b.c_d~!$:81\r\n") << 1 << QByteArray("/")
        << QByteArray("a-b.c_d~!$:81");
    QTest::newRow("empty Host") << QByteArray("/") << QByteArray("Host:\r\n") << 1
                                << QByteArray("/") << QByteArray("");
}

void TestHttpRequestParser::targetNormalized() {
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, hostFields);
    QFETCH(int, minor);
    QFETCH(QByteArray, expectedTarget);
    QFETCH(QByteArray, expectedHost);

    const QByteArray raw = "GET " + target + " HTTP/1." + QByteArray::number(minor) + "\r\n" +
                           hostFields + "X-Other: 1\r\n\r\n";
    const RequestRun run = RequestRun::run(raw, 0);
    QVERIFY2(!run.error.isError(), run.error.detail.constData());
    QCOMPARE(run.heads.size(), size_t(1));
    const RequestHead &head = run.heads.front();
    QCOMPARE(head.target, expectedTarget);
    QCOMPARE(countHeaders(head.headers, "host"), 1);
    QCOMPARE(findHeader(head.headers, "host")->value, expectedHost);
    QCOMPARE(findHeader(head.headers, "x-other")->value, QByteArray("1"));
}

void TestHttpRequestParser::targetOrHostRefused_data() {
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<QByteArray>("detail");

    QTest::newRow("userinfo") << QByteArray("http://u:p@h/x") << QByteArray("h")
                              << QByteArray("userinfo in the request target");
    QTest::newRow("authority with a space escaped")
        << QByteArray("http://a%zz/x") << QByteArray("h")
        << QByteArray("invalid authority in the request target");
    QTest::newRow("authority, port not a number")
        << QByteArray("http://h:8x/") << QByteArray("h")
        << QByteArray("invalid authority in the request target");
    QTest::newRow("no authority") << QByteArray("http:///x") << QByteArray("h")
                                  << QByteArray("request target is neither origin-form nor "
                                                "absolute-form");
    QTest::newRow("Host with a space")
        << QByteArray("/") << QByteArray("a b") << QByteArray("invalid Host field value");
    QTest::newRow("Host with userinfo")
        << QByteArray("/") << QByteArray("user@evil") << QByteArray("invalid Host field value");
    QTest::newRow("Host with a path")
        << QByteArray("/") << QByteArray("h/x") << QByteArray("invalid Host field value");
    QTest::newRow("Host, two colons")
        << QByteArray("/") << QByteArray("h:1:2") << QByteArray("invalid Host field value");
    QTest::newRow("Host, open bracket")
        << QByteArray("/") << QByteArray("[::1") << QByteArray("invalid Host field value");
}

void TestHttpRequestParser::targetOrHostRefused() {
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, host);
    QFETCH(QByteArray, detail);

    const QByteArray raw = "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
    const RequestRun run = RequestRun::run(raw, 0);
    QVERIFY(run.heads.empty());
    QCOMPARE(run.error.status, 400);
    QCOMPARE(run.error.detail, detail);
}

// What a capture of a refused request can say it asked for: the request line when it was
// valid, nothing when the line itself was refused.
void TestHttpRequestParser::refusedRequestLineKept_data() {
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::newRow("missing Host") << QByteArray("POST /inventory/x?a=1 HTTP/1.1\r\n\r\n")
                                  << QByteArray("POST") << QByteArray("/inventory/x?a=1");
    QTest::newRow("TE and CL") << post("Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
                                       "0\r\n\r\n")
                               << QByteArray("POST") << QByteArray("/");
    QTest::newRow("obs-fold") << QByteArray("GET /a HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n")
                              << QByteArray("GET") << QByteArray("/a");
    QTest::newRow("bad request line")
        << QByteArray("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n") << QByteArray() << QByteArray();
    QTest::newRow("bad version") << QByteArray("GET /a HTTP/2.0\r\nHost: a\r\n\r\n") << QByteArray()
                                 << QByteArray();
    QTest::newRow("after a valid request")
        << get("") + QByteArray("GET /second HTTP/1.1\r\nHost: a b\r\n\r\n") << QByteArray("GET")
        << QByteArray("/second");
}

void TestHttpRequestParser::refusedRequestLineKept() {
    QFETCH(QByteArray, raw);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    RequestRun sink;
    HttpRequestParser parser(sink, {});
    qsizetype offset = 0;
    while (offset < raw.size() && parser.state() != HttpRequestParser::State::Failed) {
        offset += parser.feed(raw.constData() + offset, raw.size() - offset);
        if (parser.state() == HttpRequestParser::State::PausedAtHead ||
            parser.state() == HttpRequestParser::State::PausedAtEnd)
            parser.resume();
    }
    QCOMPARE(parser.state(), HttpRequestParser::State::Failed);
    QCOMPARE(parser.refusedMethod().toByteArray(), method);
    QCOMPARE(parser.refusedTarget().toByteArray(), target);
}

QTEST_GUILESS_MAIN(TestHttpRequestParser)
#include "tst_http_request_parser.moc"

#include <backend/http/http_response_parser.h>
#include <backend/http/llhttp_session.h>

#include <QTest>

#include <vector>

using namespace ToolCapture;

Q_DECLARE_METATYPE(ToolCapture::BodyFraming)

namespace {

// All bytes of a string literal, embedded NULs included, without its terminator.
template<qsizetype N>
QByteArray bytes(const char (&literal)[N]) {
    return QByteArray(literal, N - 1);
}

// Records what an HttpResponseParser reports for one upstream connection.
struct ResponseRun : HttpResponseParser::Handler {
    std::vector<ResponseHead> heads;
    QList<QByteArray> bodies;
    QByteArray events;
    HttpParseError error;
    HttpResponseParser::State finalState = HttpResponseParser::State::Idle;
    bool stalled = false; // feed() took nothing twice in a row: a caller's loop would spin

    void onResponseHead(ResponseHead &&head) override {
        heads.push_back(std::move(head));
        bodies.append(QByteArray());
        events.append('H');
    }
    void onResponseBody(const char *data, qsizetype size) override {
        bodies.last().append(data, size);
        if (!events.endsWith('B'))
            events.append('B');
    }
    void onResponseComplete() override { events.append('C'); }

    // Feeds in pieces (0: all at once); after each final response expects the next to `method`.
    static ResponseRun run(const QByteArray &raw, QByteArrayView method, qsizetype piece,
                           bool closeAtEnd = true) {
        ResponseRun result;
        HttpResponseParser parser(result, {});
        parser.expectResponseTo(method);
        qsizetype offset = 0;
        int idleRounds = 0;
        while (offset < raw.size()) {
            const qsizetype length =
                piece > 0 ? qMin(piece, raw.size() - offset) : raw.size() - offset;
            const qsizetype consumed = parser.feed(raw.constData() + offset, length);
            offset += consumed;
            if (parser.state() == HttpResponseParser::State::Failed)
                break;
            idleRounds = consumed > 0 ? 0 : idleRounds + 1;
            if (idleRounds > 1) {
                result.stalled = true;
                break;
            }
            if (parser.state() == HttpResponseParser::State::Complete && offset < raw.size())
                parser.expectResponseTo("GET");
        }
        if (closeAtEnd)
            parser.finish();
        result.error = parser.error();
        result.finalState = parser.state();
        return result;
    }
};

// A handler that reads each head where the parser keeps it and never takes it (the proxy's
// upstream side does so), checking it against the response it came from.
struct ReadingRun : HttpResponseParser::Handler {
    std::vector<ResponseHead> expected;
    QList<QByteArray> held; // shared copies, as a capture record keeps them
    size_t seen = 0;
    int completes = 0;
    bool ok = true;

    void onResponseHead(ResponseHead &&head) override {
        const ResponseHead &want = expected.at(seen++);
        ok = ok && head.status == want.status && head.reason == want.reason &&
             head.headers.size() == want.headers.size();
        for (size_t i = 0; ok && i < want.headers.size(); ++i) {
            ok = head.headers[i].name == want.headers[i].name &&
                 head.headers[i].value == want.headers[i].value;
        }
        if (seen % 2 == 0 && !head.headers.empty())
            held.append(head.headers.back().value);
    }
    void onResponseBody(const char *, qsizetype) override {}
    void onResponseComplete() override { ++completes; }
};

// A handler that reads each head in place and adds fields to it, as the proxy adds a
// Cache-Status field to the response it relays.
struct AddingRun : HttpResponseParser::Handler {
    int added = 0;
    int heads = 0;
    qsizetype fieldsSeen = 0;

    void onResponseHead(ResponseHead &&head) override {
        ++heads;
        fieldsSeen += qsizetype(head.headers.size());
        for (int i = 0; i < added; ++i)
            head.headers.push_back({"Cache-Status", "ToolCapture; fwd=uri-miss"});
    }
    void onResponseBody(const char *, qsizetype) override {}
    void onResponseComplete() override {}
};

} // namespace

// Tests HttpResponseParser: bodiless statuses, HEAD, interim responses, until-close bodies,
// truncation and the strictness shared with the request parser.
class TestHttpResponseParser : public QObject {
    Q_OBJECT

private slots:
    void valid_data();
    void valid();
    void malformed_data();
    void malformed();
    void continueThenFinalInOneFeed();
    void switchToWebSocket_data();
    void switchToWebSocket();
    void keepAliveConnectionCarriesTwoResponses();
    void closingResponseEndsTheConnection_data();
    void closingResponseEndsTheConnection();
    void reusedHeadStorage();
    void addedFieldsAreNotKeptForever_data();
    void addedFieldsAreNotKeptForever();
};

void TestHttpResponseParser::valid_data() {
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("statuses");
    QTest::addColumn<BodyFraming>("framing");
    QTest::addColumn<bool>("keepAlive");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("events");

    QTest::newRow("200 CL") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
                            << QByteArray("GET") << QByteArray("200") << BodyFraming::ContentLength
                            << true << QByteArray("hello") << QByteArray("HBC");
    QTest::newRow("200 chunked") << QByteArray(
                                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        "5\r\nhello\r\n0\r\n\r\n")
                                 << QByteArray("GET") << QByteArray("200") << BodyFraming::Chunked
                                 << true << QByteArray("hello") << QByteArray("HBC");
    QTest::newRow("HEAD with CL") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n")
                                  << QByteArray("HEAD") << QByteArray("200") << BodyFraming::None
                                  << true << QByteArray() << QByteArray("HC");
    QTest::newRow("HEAD with chunked")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") << QByteArray("HEAD")
        << QByteArray("200") << BodyFraming::None << true << QByteArray() << QByteArray("HC");
    QTest::newRow("204") << QByteArray("HTTP/1.1 204 No Content\r\n\r\n") << QByteArray("GET")
                         << QByteArray("204") << BodyFraming::None << true << QByteArray()
                         << QByteArray("HC");
    QTest::newRow("304 with CL") << QByteArray(
                                        "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n")
                                 << QByteArray("GET") << QByteArray("304") << BodyFraming::None
                                 << true << QByteArray() << QByteArray("HC");
    QTest::newRow("100 then 200")
        << QByteArray("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        << QByteArray("POST") << QByteArray("100,200") << BodyFraming::ContentLength << true
        << QByteArray("ok") << QByteArray("HCHBC");
    QTest::newRow("until close") << QByteArray("HTTP/1.1 200 OK\r\n\r\nall of it\r\n")
                                 << QByteArray("GET") << QByteArray("200")
                                 << BodyFraming::UntilClose << false << QByteArray("all of it\r\n")
                                 << QByteArray("HBC");
    QTest::newRow("HTTP/1.0 no keep-alive")
        << QByteArray("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx") << QByteArray("GET")
        << QByteArray("200") << BodyFraming::ContentLength << false << QByteArray("x")
        << QByteArray("HBC");
    QTest::newRow("Connection: close")
        << QByteArray("HTTP/1.1 404 Not Found\r\nConnection: close"
                      "\r\nContent-Length: 0\r\n\r\n")
        << QByteArray("GET") << QByteArray("404") << BodyFraming::None << false << QByteArray()
        << QByteArray("HC");
    QTest::newRow("empty reason") << QByteArray("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n")
                                  << QByteArray("GET") << QByteArray("200") << BodyFraming::None
                                  << true << QByteArray() << QByteArray("HC");
}

void TestHttpResponseParser::valid() {
    QFETCH(QByteArray, raw);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, statuses);
    QFETCH(BodyFraming, framing);
    QFETCH(bool, keepAlive);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, events);
    for (qsizetype piece : {qsizetype(0), qsizetype(1), qsizetype(5)}) {
        const ResponseRun run = ResponseRun::run(raw, method, piece);
        QVERIFY(!run.stalled);
        QVERIFY2(!run.error.isError(), run.error.detail.constData());
        QCOMPARE(run.finalState, HttpResponseParser::State::Complete);
        QByteArrayList seen;
        for (const ResponseHead &head : run.heads)
            seen.append(QByteArray::number(head.status));
        QCOMPARE(seen.join(','), statuses);
        QCOMPARE(run.heads.back().framing, framing);
        QCOMPARE(run.heads.back().keepAlive, keepAlive);
        QCOMPARE(run.bodies.back(), body);
        QCOMPARE(run.events, events);
    }
}

void TestHttpResponseParser::malformed_data() {
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("detailPart");

    QTest::newRow("CL + TE")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked"
                      "\r\n\r\n0\r\n\r\n")
        << QByteArray("GET") << QByteArray("Content-Length together with Transfer-Encoding");
    QTest::newRow("duplicate CL")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx")
        << QByteArray("GET") << QByteArray("duplicate Content-Length");
    QTest::newRow("duplicate CL on HEAD")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
        << QByteArray("HEAD") << QByteArray("Content-Length");
    QTest::newRow("CL list") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 1,1\r\n\r\nx")
                             << QByteArray("GET") << QByteArray("Content-Length");
    QTest::newRow("TE gzip") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nx")
                             << QByteArray("GET") << QByteArray("chunked");
    QTest::newRow("TE chunked, gzip")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n")
        << QByteArray("GET") << QByteArray("chunked");
    QTest::newRow("obs-fold") << QByteArray("HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\n\r\n")
                              << QByteArray("GET") << QByteArray("obs-fold in field 'X-A'");
    QTest::newRow("space before colon")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n") << QByteArray("GET")
        << QByteArray("whitespace between field name and colon");
    QTest::newRow("bare LF") << QByteArray("HTTP/1.1 200 OK\nContent-Length: 0\n\n")
                             << QByteArray("GET") << QByteArray("bare LF");
    QTest::newRow("HTTP/2.0") << QByteArray("HTTP/2.0 200 OK\r\n\r\n") << QByteArray("GET")
                              << QByteArray("unsupported HTTP version");
    QTest::newRow("HTTP/1") << QByteArray("HTTP/1 200 OK\r\n\r\n") << QByteArray("GET")
                            << QByteArray("HTTP version");
    QTest::newRow("status 2 digits")
        << QByteArray("HTTP/1.1 20 OK\r\n\r\n") << QByteArray("GET") << QByteArray("status code");
    QTest::newRow("status 600") << QByteArray("HTTP/1.1 600 X\r\n\r\n") << QByteArray("GET")
                                << QByteArray("out of range");
    QTest::newRow("HTTP/1.0 interim")
        << QByteArray("HTTP/1.0 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
                      "Content-Length: 0\r\n\r\n")
        << QByteArray("POST") << QByteArray("interim 100");
    // Used to hang: llhttp ended the connection after the HTTP/1.0 interim response and
    // swallowed the rest, while the head scanner, stuck at the end of the head, took nothing.
    QTest::newRow("HTTP/1.0 interim then malformed CL")
        << QByteArray("HTTP/1.0 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
                      "Content-Length: 3T\r\n\r\nok")
        << QByteArray("POST") << QByteArray("interim 100");
    QTest::newRow("interim with Connection: close")
        << QByteArray("HTTP/1.1 100 Continue\r\nConnection: close\r\n\r\nHTTP/1.1 200 OK\r\n"
                      "Content-Length: 2\r\n\r\nok")
        << QByteArray("POST") << QByteArray("data after the last message");
    QTest::newRow("101") << QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: ws\r\n"
                                       "Connection: upgrade\r\n\r\n")
                         << QByteArray("GET") << QByteArray("101");
    QTest::newRow("NUL in value") << bytes("HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n")
                                  << QByteArray("GET") << QByteArray("invalid character 0x00");
    QTest::newRow("chunk 0x") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                            "0x1\r\nx\r\n0\r\n\r\n")
                              << QByteArray("GET") << QByteArray("chunk size");
    QTest::newRow("truncated CL body")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc") << QByteArray("GET")
        << QByteArray("incomplete response");
    QTest::newRow("truncated chunked body")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")
        << QByteArray("GET") << QByteArray("incomplete response");
    QTest::newRow("truncated head") << QByteArray("HTTP/1.1 200 OK\r\nContent-Le")
                                    << QByteArray("GET") << QByteArray("incomplete response");
    QTest::newRow("only 100 then close") << QByteArray("HTTP/1.1 100 Continue\r\n\r\n")
                                         << QByteArray("POST") << QByteArray("incomplete response");
}

void TestHttpResponseParser::malformed() {
    QFETCH(QByteArray, raw);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, detailPart);
    for (qsizetype piece : {qsizetype(0), qsizetype(1)}) {
        const ResponseRun run = ResponseRun::run(raw, method, piece);
        QVERIFY(!run.stalled);
        QCOMPARE(run.finalState, HttpResponseParser::State::Failed);
        QCOMPARE(run.error.status, 502);
        QCOMPARE(run.error.title, QByteArray("Bad Gateway"));
        QVERIFY2(run.error.detail.contains(detailPart), run.error.detail.constData());
        QVERIFY(!run.events.endsWith('C') || raw.startsWith("HTTP/1.1 100"));
    }
}

void TestHttpResponseParser::switchToWebSocket_data() {
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<bool>("asked");
    QTest::addColumn<bool>("upgraded");
    const QByteArray websocket = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\n"
                                 "Connection: Upgrade\r\nSec-WebSocket-Accept: a\r\n\r\n";
    QTest::newRow("asked, websocket") << websocket << true << true;
    QTest::newRow("not asked") << websocket << false << false;
    QTest::newRow("asked, h2c") << QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n"
                                              "Connection: Upgrade\r\n\r\n")
                                << true << false;
    QTest::newRow("asked, no Connection: upgrade")
        << QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n") << true
        << false;
}

// An accepted 101 stops the parser right after its head: what follows is the new protocol's.
void TestHttpResponseParser::switchToWebSocket() {
    QFETCH(QByteArray, head);
    QFETCH(bool, asked);
    QFETCH(bool, upgraded);
    const QByteArray frames("\x81\x02hiHTTP/1.1 200 OK\r\n\r\n", 24);
    for (qsizetype piece : {qsizetype(0), qsizetype(1), qsizetype(7)}) {
        ResponseRun run;
        HttpResponseParser parser(run, {});
        parser.expectResponseTo("GET", asked);
        const QByteArray raw = head + frames;
        qsizetype offset = 0;
        while (offset < raw.size() && parser.state() != HttpResponseParser::State::Failed &&
               parser.state() != HttpResponseParser::State::Upgraded) {
            const qsizetype length =
                piece > 0 ? qMin(piece, raw.size() - offset) : raw.size() - offset;
            offset += parser.feed(raw.constData() + offset, length);
        }
        if (!upgraded) {
            QCOMPARE(parser.state(), HttpResponseParser::State::Failed);
            QCOMPARE(parser.error().status, 502);
            continue;
        }
        QCOMPARE(parser.state(), HttpResponseParser::State::Upgraded);
        QCOMPARE(offset, head.size());
        QCOMPARE(run.events, QByteArray("H"));
        QCOMPARE(run.heads.front().status, 101);
        QCOMPARE(parser.feed(frames.constData(), frames.size()), qsizetype(0));
        parser.finish();
        QCOMPARE(parser.state(), HttpResponseParser::State::Upgraded);
    }
}

void TestHttpResponseParser::continueThenFinalInOneFeed() {
    const QByteArray raw = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n"
                           "Content-Length: 0\r\n\r\n";
    ResponseRun rec;
    HttpResponseParser parser(rec, {});
    parser.expectResponseTo("POST");
    QCOMPARE(parser.feed(raw.constData(), raw.size()), raw.size());
    QCOMPARE(parser.state(), HttpResponseParser::State::Complete);
    QCOMPARE(rec.heads.size(), size_t(2));
    QCOMPARE(rec.heads[0].status, 100);
    QCOMPARE(rec.heads[1].status, 201);
    QCOMPARE(rec.events, QByteArray("HCHC"));
}

void TestHttpResponseParser::keepAliveConnectionCarriesTwoResponses() {
    const QByteArray first = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na";
    const QByteArray second = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nb\r\n0"
                              "\r\n\r\n";
    const QByteArray raw = first + second;
    ResponseRun rec;
    HttpResponseParser parser(rec, {});
    parser.expectResponseTo("GET");
    const qsizetype consumed = parser.feed(raw.constData(), raw.size());
    QCOMPARE(consumed, first.size());
    QCOMPARE(parser.state(), HttpResponseParser::State::Complete);
    QCOMPARE(parser.feed(raw.constData() + consumed, raw.size() - consumed), 0);
    parser.expectResponseTo("GET");
    QCOMPARE(parser.state(), HttpResponseParser::State::Idle);
    QCOMPARE(parser.feed(raw.constData() + consumed, raw.size() - consumed), raw.size() - consumed);
    QCOMPARE(parser.state(), HttpResponseParser::State::Complete);
    QCOMPARE(rec.bodies, QList<QByteArray>({"a", "b"}));
    parser.finish();
    QVERIFY(!parser.error().isError());
}

void TestHttpResponseParser::closingResponseEndsTheConnection_data() {
    QTest::addColumn<QByteArray>("first");
    QTest::addColumn<bool>("keepAlive");
    // llhttp must agree: it silently drops what follows a response it considers the last.
    QTest::newRow("Connection: close") << QByteArray("HTTP/1.1 200 OK\r\nConnection: close\r\n"
                                                     "Content-Length: 0\r\n\r\n")
                                       << false;
    QTest::newRow("HTTP/1.0 keep-alive with a tab")
        << QByteArray("HTTP/1.0 200 OK\r\nConnection: keep-alive\t\r\nContent-Length: 0\r\n\r\n")
        << false;
    QTest::newRow("trailer Connection: close")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "0\r\nConnection: close\r\n\r\n")
        << true;
}

void TestHttpResponseParser::closingResponseEndsTheConnection() {
    QFETCH(QByteArray, first);
    QFETCH(bool, keepAlive);
    const QByteArray second = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    ResponseRun rec;
    HttpResponseParser parser(rec, {});
    parser.expectResponseTo("GET");
    QCOMPARE(parser.feed(first.constData(), first.size()), first.size());
    QCOMPARE(parser.state(), HttpResponseParser::State::Complete);
    QCOMPARE(rec.heads.size(), size_t(1));
    QCOMPARE(rec.heads[0].keepAlive, keepAlive);
    parser.expectResponseTo("GET");
    QCOMPARE(parser.feed(second.constData(), second.size()), 0);
    QCOMPARE(parser.state(), HttpResponseParser::State::Failed);
    QCOMPARE(parser.error().status, 502);
    QVERIFY2(parser.error().detail.contains("data after the last message"),
             parser.error().detail.constData());
    QCOMPARE(rec.events, QByteArray("HC"));
}

// One keep-alive connection, many responses with different field counts and sizes: every
// head is the response's own, nothing of an earlier head shows through the reused storage.
void TestHttpResponseParser::reusedHeadStorage() {
    const int counts[] = {6, 40, 1, 0, 99, 3, 3, 12};
    const int sizes[] = {10, 300, 2, 0, 9, 3000, 0, 60};
    ReadingRun run;
    HttpResponseParser parser(run, {});
    for (size_t round = 0; round < std::size(counts); ++round) {
        ResponseHead want;
        want.status = round % 2 ? 200 : 404 + int(round); // never 204 or 304: each has a body
        want.reason = round % 2 ? QByteArray("Fine") : QByteArray(int(round * 11) + 1, 'R');
        want.headers.push_back({"Content-Length", "2"});
        for (int i = 1; i < counts[round]; ++i) {
            want.headers.push_back({"X-F" + QByteArray::number(i) + QByteArray(i % 4, 'n'),
                                    QByteArray(sizes[round] + i % 3, char('a' + round))});
        }
        QByteArray raw = "HTTP/1.1 " + QByteArray::number(want.status) + ' ' + want.reason + "\r\n";
        for (const HttpHeader &h : want.headers)
            raw += h.name + ": " + h.value + "\r\n";
        raw += "\r\nok";
        run.expected.push_back(std::move(want));
        parser.expectResponseTo("GET");
        QCOMPARE(parser.feed(raw.constData(), raw.size()), raw.size());
        QCOMPARE(parser.state(), HttpResponseParser::State::Complete);
    }
    QCOMPARE(run.seen, std::size(counts));
    QCOMPARE(run.completes, int(std::size(counts)));
    QVERIFY(run.ok);
    QCOMPARE(run.held.size(), 4);
    QCOMPARE(run.held.at(0), QByteArray(300 + 39 % 3, 'b'));
    QCOMPARE(run.held.at(1), QByteArray("2")); // the only field of a response without others
}

// Fields a handler adds to a head come back to the parser with it; the parser keeps fields of
// earlier heads to parse the next ones into, but only up to a bound, and not those grown large.
// Without the bound, every response relayed on a connection left one more field behind.
void TestHttpResponseParser::addedFieldsAreNotKeptForever_data() {
    QTest::addColumn<int>("fields");
    QTest::addColumn<int>("added");
    QTest::addColumn<int>("valueSize");
    QTest::addColumn<int>("maxSpares");
    const int bound = int(LlhttpSession::kMaxSpareFields);
    QTest::newRow("one field, one added") << 1 << 1 << 10 << bound;
    QTest::newRow("ten fields, three added") << 10 << 3 << 10 << bound;
    QTest::newRow("more fields than the bound") << 70 << 1 << 10 << bound;
    QTest::newRow("nothing added") << 10 << 0 << 10 << 10;
    // Kept: only Content-Length; the two 5000-byte fields are let go.
    QTest::newRow("large fields are let go") << 3 << 0 << 5000 << 1;
}

void TestHttpResponseParser::addedFieldsAreNotKeptForever() {
    QFETCH(int, fields);
    QFETCH(int, added);
    QFETCH(int, valueSize);
    QFETCH(int, maxSpares);
    QByteArray raw = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n";
    for (int i = 1; i < fields; ++i)
        raw += "X-F" + QByteArray::number(i) + ": " + QByteArray(valueSize, 'v') + "\r\n";
    raw += "\r\nok";
    AddingRun run;
    run.added = added;
    HttpResponseParser parser(run, {});
    constexpr int kResponses = 500;
    for (int i = 0; i < kResponses; ++i) {
        parser.expectResponseTo("GET");
        QCOMPARE(parser.feed(raw.constData(), raw.size()), raw.size());
        QCOMPARE(parser.state(), HttpResponseParser::State::Complete);
    }
    // A last response without fields leaves every field the parser kept unused.
    const QByteArray empty = "HTTP/1.1 204 No Content\r\n\r\n";
    parser.expectResponseTo("GET");
    QCOMPARE(parser.feed(empty.constData(), empty.size()), empty.size());
    QCOMPARE(parser.state(), HttpResponseParser::State::Complete);
    QCOMPARE(run.heads, kResponses + 1);
    QCOMPARE(run.fieldsSeen, qsizetype(kResponses) * fields); // the parser's own fields only
    QVERIFY2(parser.spareFieldCount() <= std::size_t(maxSpares),
             qPrintable(QString::number(parser.spareFieldCount())));
}

QTEST_GUILESS_MAIN(TestHttpResponseParser)
#include "tst_http_response_parser.moc"

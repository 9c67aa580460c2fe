#include <backend/proxy/header_rewriter.h>

#include <QTest>

using namespace ToolCapture;

Q_DECLARE_METATYPE(ToolCapture::HttpHeaders)
Q_DECLARE_METATYPE(ToolCapture::BodyFraming)
Q_DECLARE_METATYPE(ToolCapture::ClientFraming)

namespace {

// A serialized head split into its first line and its fields, in order.
struct WrittenHead {
    QByteArray firstLine;
    HttpHeaders fields;
    bool terminated = false; // ends with an empty line

    static WrittenHead of(const QByteArray &raw) {
        WrittenHead head;
        head.terminated = raw.endsWith("\r\n\r\n");
        QList<QByteArray> lines = raw.split('\n');
        head.firstLine = lines.takeFirst().chopped(1);
        for (const QByteArray &line : std::as_const(lines)) {
            const QByteArray text = line.endsWith('\r') ? line.chopped(1) : line;
            const qsizetype colon = text.indexOf(": ");
            if (colon > 0)
                head.fields.push_back({text.first(colon), text.sliced(colon + 2)});
        }
        return head;
    }
    QList<QByteArray> values(QByteArrayView name) const {
        QList<QByteArray> out;
        for (const HttpHeader &h : fields) {
            if (equalsIgnoreCase(h.name, name))
                out.append(h.value);
        }
        return out;
    }
};

RequestHead request(const QByteArray &target, const HttpHeaders &headers, int minor = 1) {
    RequestHead head;
    head.method = "GET";
    head.target = target;
    head.versionMinor = minor;
    head.headers = headers;
    return head;
}

WrittenHead forward(const RequestHead &head, QByteArrayView stripPrefix = {},
                    QByteArrayView defaultHost = {}) {
    QByteArray out;
    writeUpstreamRequestHead(out, head, {"192.0.2.7", "corr-1", stripPrefix, defaultHost});
    return WrittenHead::of(out);
}

ResponseHead response(BodyFraming framing, const HttpHeaders &headers = {}) {
    ResponseHead head;
    head.status = 200;
    head.reason = "OK";
    head.framing = framing;
    head.contentLength = framing == BodyFraming::ContentLength ? 42 : 0;
    head.headers = headers;
    return head;
}

} // namespace

// The header rewriting of the proxy: hop-by-hop removal, forwarding fields, target form,
// framing in both directions, correlation ids.
class TestHeaderRewriter : public QObject {
    Q_OBJECT

private slots:
    void hopByHop_data() {
        QTest::addColumn<QByteArray>("name");
        QTest::addColumn<bool>("hopByHop");
        for (const char *name : {"Connection", "connection", "Keep-Alive", "TE", "te", "Trailer",
                                 "Transfer-Encoding", "Upgrade", "Proxy-Authorization",
                                 "proxy-connection", "Proxy-Authenticate", "Content-Length"})
            QTest::newRow(name) << QByteArray(name) << true;
        for (const char *name : {"Host", "Trailers", "Tee", "Proxy-", "Proxy", "X-Proxy-Id", "Via",
                                 "Accept", "Content-Type", "Upgrade-Insecure-Requests"})
            QTest::newRow(name) << QByteArray(name) << false;
    }
    void hopByHop() {
        QFETCH(QByteArray, name);
        QFETCH(bool, hopByHop);
        QCOMPARE(isHopByHopHeader(name), hopByHop);
        // And the request writer acts on it.
        const WrittenHead out = forward(request("/", {{"Host", "a"}, {name, "v"}}));
        const bool forwarded = !out.values(name).isEmpty();
        if (!equalsIgnoreCase(name, "host"))
            QCOMPARE(forwarded, !hopByHop);
    }

    void connectionNamedFields_data() {
        QTest::addColumn<HttpHeaders>("headers");
        QTest::addColumn<QList<QByteArray>>("kept");
        QTest::newRow("one named") << HttpHeaders{{"Connection", "X-A"}, {"X-A", "1"}, {"X-B", "2"}}
                                   << QList<QByteArray>{"X-B"};
        QTest::newRow("list, any case") << HttpHeaders{{"Connection", "keep-alive, x-a ,X-B"},
                                                       {"X-A", "1"},
                                                       {"x-b", "2"},
                                                       {"X-C", "3"}}
                                        << QList<QByteArray>{"X-C"};
        QTest::newRow("two Connection fields") << HttpHeaders{{"Connection", "X-A"},
                                                              {"Connection", "X-B"},
                                                              {"X-A", "1"},
                                                              {"X-B", "2"},
                                                              {"X-C", "3"}}
                                               << QList<QByteArray>{"X-C"};
        QTest::newRow("token is whole name")
            << HttpHeaders{{"Connection", "X-A"}, {"X-AB", "1"}} << QList<QByteArray>{"X-AB"};
        QTest::newRow("no Connection") << HttpHeaders{{"X-A", "1"}} << QList<QByteArray>{"X-A"};
    }
    void connectionNamedFields() {
        QFETCH(HttpHeaders, headers);
        QFETCH(QList<QByteArray>, kept);
        headers.insert(headers.begin(), {"Host", "a"});
        const WrittenHead out = forward(request("/", headers));
        QVERIFY(out.terminated);
        QList<QByteArray> forwarded;
        for (const HttpHeader &h : out.fields) {
            if (h.name.startsWith("X-") && !h.name.startsWith("X-Forwarded") &&
                h.name != "X-Correlation-ID")
                forwarded.append(h.name.toUpper());
        }
        for (QByteArray &name : kept)
            name = name.toUpper();
        QCOMPARE(forwarded, kept);
        QVERIFY(out.values("connection").isEmpty());
    }

    void forwardingFields_data() {
        QTest::addColumn<HttpHeaders>("headers");
        QTest::addColumn<QByteArray>("forwardedFor");
        QTest::addColumn<QByteArray>("via");
        QTest::newRow("none") << HttpHeaders{} << QByteArray("192.0.2.7")
                              << QByteArray("1.1 toolcapture");
        QTest::newRow("appended") << HttpHeaders{{"X-Forwarded-For", "10.0.0.1"},
                                                 {"Via", "1.0 edge"}}
                                  << QByteArray("10.0.0.1, 192.0.2.7")
                                  << QByteArray("1.0 edge, 1.1 toolcapture");
        QTest::newRow("several fields joined")
            << HttpHeaders{{"x-forwarded-for", "a"},
                           {"Via", "1.0 x"},
                           {"X-Forwarded-For", "b, c"},
                           {"via", "1.1 y"}}
            << QByteArray("a, b, c, 192.0.2.7") << QByteArray("1.0 x, 1.1 y, 1.1 toolcapture");
    }
    void forwardingFields() {
        QFETCH(HttpHeaders, headers);
        QFETCH(QByteArray, forwardedFor);
        QFETCH(QByteArray, via);
        headers.push_back({"Host", "a"});
        headers.push_back({"X-Forwarded-Proto", "https"}); // the client's claim is replaced
        headers.push_back({"X-Correlation-ID", "from-client"});
        const WrittenHead out = forward(request("/", headers));
        QCOMPARE(out.values("x-forwarded-for"), QList<QByteArray>{forwardedFor});
        QCOMPARE(out.values("via"), QList<QByteArray>{via});
        QCOMPARE(out.values("x-forwarded-proto"), QList<QByteArray>{"http"});
        QCOMPARE(out.values("x-correlation-id"), QList<QByteArray>{"corr-1"});
    }

    void target_data() {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<HttpHeaders>("headers");
        QTest::addColumn<int>("minor");
        QTest::addColumn<QByteArray>("stripPrefix");
        QTest::addColumn<QByteArray>("requestLine");
        QTest::addColumn<QByteArray>("host");
        const HttpHeaders hostA{{"Host", "a"}};
        QTest::newRow("origin-form") << QByteArray("/a?b=c") << hostA << 1 << QByteArray()
                                     << QByteArray("GET /a?b=c HTTP/1.1") << QByteArray("a");
        QTest::newRow("absolute-form")
            << QByteArray("http://example.com/x?y") << HttpHeaders{{"Host", "other"}} << 1
            << QByteArray() << QByteArray("GET /x?y HTTP/1.1") << QByteArray("example.com");
        QTest::newRow("absolute-form with port")
            << QByteArray("HTTP://h:8080/p") << hostA << 1 << QByteArray()
            << QByteArray("GET /p HTTP/1.1") << QByteArray("h:8080");
        QTest::newRow("absolute-form without path")
            << QByteArray("http://example.com") << hostA << 1 << QByteArray()
            << QByteArray("GET / HTTP/1.1") << QByteArray("example.com");
        QTest::newRow("absolute-form without Host (1.0)")
            << QByteArray("http://example.com/x") << HttpHeaders{} << 0 << QByteArray()
            << QByteArray("GET /x HTTP/1.1") << QByteArray("example.com");
        QTest::newRow("no Host (1.0)")
            << QByteArray("/x") << HttpHeaders{} << 0 << QByteArray()
            << QByteArray("GET /x HTTP/1.1") << QByteArray("127.0.0.1:9101");
        QTest::newRow("strip prefix")
            << QByteArray("/inventory/items/7") << hostA << 1 << QByteArray("/inventory/")
            << QByteArray("GET /items/7 HTTP/1.1") << QByteArray("a");
        QTest::newRow("strip prefix to root")
            << QByteArray("/inventory/") << hostA << 1 << QByteArray("/inventory/")
            << QByteArray("GET / HTTP/1.1") << QByteArray("a");
        QTest::newRow("strip prefix keeps query")
            << QByteArray("/inventory/?q=1") << hostA << 1 << QByteArray("/inventory/")
            << QByteArray("GET /?q=1 HTTP/1.1") << QByteArray("a");
        QTest::newRow("strip prefix not present")
            << QByteArray("/pricing/x") << hostA << 1 << QByteArray("/inventory/")
            << QByteArray("GET /pricing/x HTTP/1.1") << QByteArray("a");
        QTest::newRow("strip prefix of absolute-form")
            << QByteArray("http://h/inventory/a") << hostA << 1 << QByteArray("/inventory/")
            << QByteArray("GET /a HTTP/1.1") << QByteArray("h");
        QTest::newRow("absolute-form, query ends the authority")
            << QByteArray("http://x:80?a=1&b=/c") << hostA << 1 << QByteArray()
            << QByteArray("GET /?a=1&b=/c HTTP/1.1") << QByteArray("x:80");
        QTest::newRow("absolute-form https, fragment dropped")
            << QByteArray("https://h/t/echo#f") << hostA << 1 << QByteArray()
            << QByteArray("GET /t/echo HTTP/1.1") << QByteArray("h");
        QTest::newRow("Connection names Host")
            << QByteArray("/t") << HttpHeaders{{"Host", "a"}, {"Connection", "Host, x-gone"}} << 1
            << QByteArray() << QByteArray("GET /t HTTP/1.1") << QByteArray("a");
    }
    void target() {
        QFETCH(QByteArray, target);
        QFETCH(HttpHeaders, headers);
        QFETCH(int, minor);
        QFETCH(QByteArray, stripPrefix);
        QFETCH(QByteArray, requestLine);
        QFETCH(QByteArray, host);
        const WrittenHead out =
            forward(request(target, headers, minor), stripPrefix, "127.0.0.1:9101");
        QCOMPARE(out.firstLine, requestLine);
        QCOMPARE(out.values("host"), QList<QByteArray>{host});
    }

    void requestFraming_data() {
        QTest::addColumn<BodyFraming>("framing");
        QTest::addColumn<QList<QByteArray>>("contentLength");
        QTest::addColumn<QList<QByteArray>>("transferEncoding");
        QTest::newRow("none") << BodyFraming::None << QList<QByteArray>{} << QList<QByteArray>{};
        QTest::newRow("length") << BodyFraming::ContentLength << QList<QByteArray>{"1234"}
                                << QList<QByteArray>{};
        QTest::newRow("chunked") << BodyFraming::Chunked << QList<QByteArray>{}
                                 << QList<QByteArray>{"chunked"};
    }
    void requestFraming() {
        QFETCH(BodyFraming, framing);
        QFETCH(QList<QByteArray>, contentLength);
        QFETCH(QList<QByteArray>, transferEncoding);
        // Whatever framing fields the client sent, only the parsed framing is re-emitted.
        RequestHead head = request("/", {{"Host", "a"},
                                         {"Content-Length", "1234"},
                                         {"Transfer-Encoding", "chunked"},
                                         {"Content-length", "99"}});
        head.method = "POST";
        head.framing = framing;
        head.contentLength = framing == BodyFraming::ContentLength ? 1234 : 0;
        const WrittenHead out = forward(head);
        QCOMPARE(out.values("content-length"), contentLength);
        QCOMPARE(out.values("transfer-encoding"), transferEncoding);
    }

    void clientFraming_data() {
        QTest::addColumn<BodyFraming>("upstream");
        QTest::addColumn<int>("clientMinor");
        QTest::addColumn<ClientFraming>("expected");
        QTest::newRow("none 1.1") << BodyFraming::None << 1 << ClientFraming::None;
        QTest::newRow("none 1.0") << BodyFraming::None << 0 << ClientFraming::None;
        QTest::newRow("length 1.1")
            << BodyFraming::ContentLength << 1 << ClientFraming::ContentLength;
        QTest::newRow("length 1.0")
            << BodyFraming::ContentLength << 0 << ClientFraming::ContentLength;
        QTest::newRow("chunked 1.1") << BodyFraming::Chunked << 1 << ClientFraming::Chunked;
        QTest::newRow("chunked 1.0") << BodyFraming::Chunked << 0 << ClientFraming::UntilClose;
        QTest::newRow("until close 1.1") << BodyFraming::UntilClose << 1 << ClientFraming::Chunked;
        QTest::newRow("until close 1.0")
            << BodyFraming::UntilClose << 0 << ClientFraming::UntilClose;
    }
    void clientFraming() {
        QFETCH(BodyFraming, upstream);
        QFETCH(int, clientMinor);
        QFETCH(ClientFraming, expected);
        QCOMPARE(clientFramingFor(response(upstream), clientMinor), expected);
    }

    void responseHead_data() {
        QTest::addColumn<ClientFraming>("framing");
        QTest::addColumn<bool>("keepAlive");
        QTest::addColumn<int>("clientMinor");
        QTest::addColumn<QList<QByteArray>>("connection");
        QTest::addColumn<QList<QByteArray>>("contentLength");
        QTest::addColumn<QList<QByteArray>>("transferEncoding");
        using L = QList<QByteArray>;
        QTest::newRow("length, kept alive")
            << ClientFraming::ContentLength << true << 1 << L{} << L{"42"} << L{};
        QTest::newRow("length, closing")
            << ClientFraming::ContentLength << false << 1 << L{"close"} << L{"42"} << L{};
        QTest::newRow("chunked") << ClientFraming::Chunked << true << 1 << L{} << L{}
                                 << L{"chunked"};
        QTest::newRow("until close")
            << ClientFraming::UntilClose << true << 0 << L{"close"} << L{} << L{};
        QTest::newRow("1.0 kept alive")
            << ClientFraming::ContentLength << true << 0 << L{"keep-alive"} << L{"42"} << L{};
        // No body (HEAD, 304): the upstream's Content-Length describes the representation.
        QTest::newRow("no body keeps length")
            << ClientFraming::None << true << 1 << L{} << L{"1000"} << L{};
    }
    void responseHead() {
        QFETCH(ClientFraming, framing);
        QFETCH(bool, keepAlive);
        QFETCH(int, clientMinor);
        QFETCH(QList<QByteArray>, connection);
        QFETCH(QList<QByteArray>, contentLength);
        QFETCH(QList<QByteArray>, transferEncoding);
        const BodyFraming upstream = framing == ClientFraming::ContentLength
                                         ? BodyFraming::ContentLength
                                         : BodyFraming::Chunked;
        const ResponseHead head =
            response(framing == ClientFraming::None ? BodyFraming::None : upstream,
                     {{"Connection", "X-Internal"},
                      {"X-Internal", "1"},
                      {"Keep-Alive", "timeout=5"},
                      {"Content-Length", "1000"},
                      {"Via", "1.1 origin"},
                      {"X-Correlation-ID", "upstream-id"},
                      {"ETag", "\"v1\""}});
        QByteArray raw;
        writeClientResponseHead(raw, head, framing, keepAlive, clientMinor, "corr-1");
        const WrittenHead out = WrittenHead::of(raw);
        QVERIFY(out.terminated);
        QCOMPARE(out.firstLine, QByteArray("HTTP/1.1 200 OK"));
        QCOMPARE(out.values("connection"), connection);
        QCOMPARE(out.values("content-length"), contentLength);
        QCOMPARE(out.values("transfer-encoding"), transferEncoding);
        QVERIFY(out.values("x-internal").isEmpty());
        QVERIFY(out.values("keep-alive").isEmpty());
        QCOMPARE(out.values("via"), QList<QByteArray>{"1.1 origin, 1.1 toolcapture"});
        QCOMPARE(out.values("x-correlation-id"), QList<QByteArray>{"corr-1"});
        QCOMPARE(out.values("etag"), QList<QByteArray>{"\"v1\""});
    }

    // What the proxy adds or takes from a response head beyond the hop-by-hop fields: a Date
    // when the origin sent none (RFC 9110 6.6.1), no Content-Length on a 204 or 1xx (8.6), and
    // Via naming the version the response came in with (7.6.3).
    void responseHeadFields_data() {
        QTest::addColumn<int>("status");
        QTest::addColumn<int>("upstreamMinor");
        QTest::addColumn<HttpHeaders>("headers");
        QTest::addColumn<QList<QByteArray>>("date");
        QTest::addColumn<QList<QByteArray>>("contentLength");
        QTest::addColumn<QList<QByteArray>>("via");
        using L = QList<QByteArray>;
        const QByteArray now = "Mon, 07 Dec 2026 20:00:00 GMT";
        const QByteArray origin = "Sun, 06 Dec 2026 08:49:37 GMT";
        QTest::newRow("no Date: the proxy's")
            << 200 << 1 << HttpHeaders{} << L{now} << L{} << L{"1.1 toolcapture"};
        QTest::newRow("the origin's Date kept") << 200 << 1 << HttpHeaders{{"date", origin}}
                                                << L{origin} << L{} << L{"1.1 toolcapture"};
        QTest::newRow("204 loses its Content-Length")
            << 204 << 1 << HttpHeaders{{"Content-Length", "0"}, {"Date", origin}} << L{origin}
            << L{} << L{"1.1 toolcapture"};
        QTest::newRow("103 loses its Content-Length")
            << 103 << 1 << HttpHeaders{{"Content-Length", "5"}, {"Link", "</a>"}} << L{now} << L{}
            << L{"1.1 toolcapture"};
        QTest::newRow("304 keeps its Content-Length")
            << 304 << 1 << HttpHeaders{{"Content-Length", "1000"}} << L{now} << L{"1000"}
            << L{"1.1 toolcapture"};
        QTest::newRow("from an HTTP/1.0 upstream")
            << 304 << 0 << HttpHeaders{{"Via", "1.1 edge"}} << L{now} << L{}
            << L{"1.1 edge, 1.0 toolcapture"};
    }
    void responseHeadFields() {
        QFETCH(int, status);
        QFETCH(int, upstreamMinor);
        QFETCH(HttpHeaders, headers);
        QFETCH(QList<QByteArray>, date);
        QFETCH(QList<QByteArray>, contentLength);
        QFETCH(QList<QByteArray>, via);
        ResponseHead head = response(BodyFraming::None, headers);
        head.status = status;
        head.versionMinor = upstreamMinor;
        QByteArray raw;
        writeClientResponseHead(raw, head, ClientFraming::None, true, 1, "corr-1",
                                "Mon, 07 Dec 2026 20:00:00 GMT");
        const WrittenHead out = WrittenHead::of(raw);
        QCOMPARE(out.values("date"), date);
        QCOMPARE(out.values("content-length"), contentLength);
        QCOMPARE(out.values("via"), via);
    }

    void requestVia_data() {
        QTest::addColumn<int>("minor");
        QTest::addColumn<QByteArray>("via");
        QTest::newRow("HTTP/1.1 client") << 1 << QByteArray("1.1 toolcapture");
        QTest::newRow("HTTP/1.0 client") << 0 << QByteArray("1.0 toolcapture");
    }
    void requestVia() {
        QFETCH(int, minor);
        QFETCH(QByteArray, via);
        const WrittenHead out = forward(request("/", {{"Host", "a"}}, minor));
        QCOMPARE(out.values("via"), QList<QByteArray>{via});
    }

    // A WebSocket upgrade: the proxy's own Connection and Upgrade fields, one each, whatever the
    // client's were; the end-to-end Sec-WebSocket-* fields as they came.
    void webSocketUpgradeFields_data() {
        QTest::addColumn<bool>("upgrade");
        QTest::newRow("upgrade request") << true;
        QTest::newRow("not marked: stripped as always") << false;
    }
    void webSocketUpgradeFields() {
        QFETCH(bool, upgrade);
        const RequestHead head = request("/ws", {{"Host", "a"},
                                                 {"Connection", "keep-alive, Upgrade"},
                                                 {"Upgrade", "websocket"},
                                                 {"Sec-WebSocket-Key", "k"},
                                                 {"Sec-WebSocket-Version", "13"}});
        QByteArray raw;
        ForwardedRequestInfo info{"192.0.2.7", "corr-1", {}, {}};
        info.webSocketUpgrade = upgrade;
        writeUpstreamRequestHead(raw, head, info);
        const WrittenHead out = WrittenHead::of(raw);
        QVERIFY(out.terminated);
        QCOMPARE(out.values("connection"),
                 upgrade ? QList<QByteArray>{"upgrade"} : QList<QByteArray>{});
        QCOMPARE(out.values("upgrade"),
                 upgrade ? QList<QByteArray>{"websocket"} : QList<QByteArray>{});
        QCOMPARE(out.values("sec-websocket-key"), QList<QByteArray>{"k"});
        QCOMPARE(out.values("sec-websocket-version"), QList<QByteArray>{"13"});

        ResponseHead switched;
        switched.status = 101;
        switched.reason = "Switching Protocols";
        switched.headers = {
            {"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Accept", "a"}};
        QByteArray rawResponse;
        writeClientResponseHead(rawResponse, switched, ClientFraming::None, false, 1, "corr-1", {},
                                upgrade);
        const WrittenHead back = WrittenHead::of(rawResponse);
        QCOMPARE(back.firstLine, QByteArray("HTTP/1.1 101 Switching Protocols"));
        QCOMPARE(back.values("connection"),
                 upgrade ? QList<QByteArray>{"upgrade"} : QList<QByteArray>{"close"});
        QCOMPARE(back.values("upgrade"),
                 upgrade ? QList<QByteArray>{"websocket"} : QList<QByteArray>{});
        QCOMPARE(back.values("sec-websocket-accept"), QList<QByteArray>{"a"});
        QVERIFY(back.values("content-length").isEmpty());
    }

    // One buffer carries the heads of many exchanges, as a connection's output buffer does:
    // each head is written after what the buffer holds, whatever the size and count of the
    // fields before it, and nothing of an earlier head shows through.
    void reusedBuffer_data() {
        QTest::addColumn<QList<int>>("fieldCounts");
        QTest::addColumn<QList<int>>("valueSizes");
        QTest::newRow("growing") << QList<int>{0, 1, 5, 40, 100} << QList<int>{1, 10, 100, 1000, 4};
        QTest::newRow("shrinking")
            << QList<int>{100, 40, 5, 1, 0} << QList<int>{4000, 100, 1, 7, 0};
        QTest::newRow("alternating")
            << QList<int>{60, 2, 60, 2, 60} << QList<int>{50, 3000, 1, 5, 50};
    }
    void reusedBuffer() {
        QFETCH(QList<int>, fieldCounts);
        QFETCH(QList<int>, valueSizes);
        QByteArray out;
        QByteArray requestOut;
        for (qsizetype round = 0; round < fieldCounts.size(); ++round) {
            HttpHeaders fields;
            QByteArray expectedFields;
            for (int i = 0; i < fieldCounts[round]; ++i) {
                const QByteArray name = "X-Field-" + QByteArray::number(i);
                const QByteArray value(valueSizes[round], char('a' + (i + round) % 26));
                fields.push_back({name, value});
                expectedFields += name + ": " + value + "\r\n";
            }
            // What the buffer held before (an unsent earlier response) stays in front.
            const QByteArray before = round % 2 ? QByteArray("pending body bytes") : QByteArray();
            out.resize(0);
            out += before;
            ResponseHead head = response(BodyFraming::ContentLength, fields);
            head.contentLength = 1000 + round;
            writeClientResponseHead(out, head, ClientFraming::ContentLength, true, 1,
                                    "corr-" + QByteArray::number(round));
            QCOMPARE(out, before + "HTTP/1.1 200 OK\r\n" + expectedFields +
                              "Via: 1.1 toolcapture\r\nX-Correlation-ID: corr-" +
                              QByteArray::number(round) + "\r\nContent-Length: " +
                              QByteArray::number(1000 + round) + "\r\n\r\n");

            requestOut.resize(0);
            requestOut += before;
            RequestHead request = ::request("/r/" + QByteArray::number(round), fields);
            request.headers.push_back({"Host", "example.test"});
            writeUpstreamRequestHead(requestOut, request, {"192.0.2.7", "corr-1", {}, {}});
            QCOMPARE(requestOut, before + "GET /r/" + QByteArray::number(round) + " HTTP/1.1\r\n" +
                                     expectedFields +
                                     "Host: example.test\r\nX-Forwarded-For: 192.0.2.7\r\n"
                                     "X-Forwarded-Proto: http\r\nVia: 1.1 toolcapture\r\n"
                                     "X-Correlation-ID: corr-1\r\n\r\n");
        }
    }

    // An absolute-form target's authority replaces every Host value: a head far larger than
    // its fields still comes out whole.
    void authorityLongerThanHosts() {
        const QByteArray authority = QByteArray(3000, 'h') + ".test";
        RequestHead head =
            request("http://" + authority + "/p", {{"Host", "a"}, {"Host", "b"}, {"Host", "c"}});
        QByteArray out;
        writeUpstreamRequestHead(out, head, {"192.0.2.7", "corr-1", {}, {}});
        const WrittenHead written = WrittenHead::of(out);
        QVERIFY(written.terminated);
        QCOMPARE(written.firstLine, QByteArray("GET /p HTTP/1.1"));
        QCOMPARE(written.values("host"), (QList<QByteArray>{authority, authority, authority}));
        QCOMPARE(written.values("x-correlation-id"), QList<QByteArray>{"corr-1"});
    }

    void correlationIdAcceptance_data() {
        QTest::addColumn<QByteArray>("id");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("uuid") << QByteArray("4f1c2a9e-8a43-4d0e-9d55-3e2a8d1c0b7f") << true;
        QTest::newRow("token chars") << QByteArray("A-z_0.9:x") << true;
        QTest::newRow("one char") << QByteArray("a") << true;
        QTest::newRow("128 chars") << QByteArray(128, 'a') << true;
        QTest::newRow("129 chars") << QByteArray(129, 'a') << false;
        QTest::newRow("empty") << QByteArray() << false;
        QTest::newRow("space") << QByteArray("a b") << false;
        QTest::newRow("quote") << QByteArray("a\"b") << false;
        QTest::newRow("comma") << QByteArray("a,b") << false;
        QTest::newRow("slash") << QByteArray("a/b") << false;
        QTest::newRow("CR LF") << QByteArray("a\r\nX-Evil: 1") << false;
        QTest::newRow("high byte") << QByteArray("a\xc3\xa9") << false;
        QTest::newRow("NUL") << QByteArray("a\0b", 3) << false;
    }
    void correlationIdAcceptance() {
        QFETCH(QByteArray, id);
        QFETCH(bool, accepted);
        QCOMPARE(isAcceptableCorrelationId(id), accepted);
    }
};

QTEST_GUILESS_MAIN(TestHeaderRewriter)
#include "tst_header_rewriter.moc"

#include <tests/support/malformed_requests.h>

namespace ToolCapture {

namespace {

QByteArray get(const QByteArray &fields) {
    return "GET / HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n";
}

QByteArray post(const QByteArray &fields, const QByteArray &body) {
    return "POST / HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n" + body;
}

QByteArray chunked(const QByteArray &body) {
    return post("Transfer-Encoding: chunked\r\n", body);
}

} // namespace

std::vector<MalformedRequest> malformedRequests() {
    using Stage = MalformedStage;
    return {
        // Content-Length / Transfer-Encoding ambiguity (CL.TE, TE.CL, TE.TE)
        {"CL.TE", post("Content-Length: 6\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\nX"), 400,
         Stage::Head},
        {"TE.CL",
         post("Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", "8\r\nSMUGGLED\r\n0\r\n\r\n"),
         400, Stage::Head},
        {"TE.TE space before colon", post("Transfer-Encoding : chunked\r\n", "0\r\n\r\n"), 400,
         Stage::Head},
        {"TE xchunked", post("Transfer-Encoding: xchunked\r\n", "0\r\n\r\n"), 400, Stage::Head},
        {"TE chunked + TE x",
         post("Transfer-Encoding: chunked\r\nTransfer-encoding: x\r\n", "0\r\n\r\n"), 400,
         Stage::Head},
        {"TE twice chunked",
         post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), 400,
         Stage::Head},
        {"TE gzip, chunked", post("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n"), 501,
         Stage::Head},
        {"TE identity, chunked", post("Transfer-Encoding: identity, chunked\r\n", "0\r\n\r\n"), 501,
         Stage::Head},
        {"TE chunked, gzip", post("Transfer-Encoding: chunked, gzip\r\n", "0\r\n\r\n"), 400,
         Stage::Head},
        {"TE chunked, chunked", post("Transfer-Encoding: chunked, chunked\r\n", "0\r\n\r\n"), 400,
         Stage::Head},
        {"TE gzip", post("Transfer-Encoding: gzip\r\n", ""), 400, Stage::Head},
        {"TE empty", post("Transfer-Encoding: \r\n", ""), 400, Stage::Head},
        {"TE trailing comma", post("Transfer-Encoding: chunked,\r\n", "0\r\n\r\n"), 400,
         Stage::Head},
        {"TE quoted", post("Transfer-Encoding: \"chunked\"\r\n", "0\r\n\r\n"), 400, Stage::Head},
        {"TE vertical tab",
         post("Transfer-Encoding:\x0b"
              "chunked\r\n",
              "0\r\n\r\n"),
         400, Stage::Head},
        {"TE in HTTP/1.0",
         QByteArray("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 400,
         Stage::Head},
        {"CL duplicate identical", post("Content-Length: 4\r\nContent-Length: 4\r\n", "abcd"), 400,
         Stage::Head},
        {"CL duplicate different", post("Content-Length: 4\r\nContent-Length: 5\r\n", "abcde"), 400,
         Stage::Head},
        {"CL list", post("Content-Length: 4, 4\r\n", "abcd"), 400, Stage::Head},
        {"CL plus", post("Content-Length: +4\r\n", "abcd"), 400, Stage::Head},
        {"CL minus", post("Content-Length: -4\r\n", ""), 400, Stage::Head},
        {"CL space inside", post("Content-Length: 4 4\r\n", "abcd"), 400, Stage::Head},
        {"CL hex", post("Content-Length: 0x4\r\n", "abcd"), 400, Stage::Head},
        {"CL letters", post("Content-Length: abc\r\n", ""), 400, Stage::Head},
        {"CL empty", post("Content-Length: \r\n", ""), 400, Stage::Head},
        {"CL overflow", post("Content-Length: 99999999999999999999\r\n", ""), 400, Stage::Head},
        {"CL 19 digits", post("Content-Length: 1000000000000000000\r\n", ""), 400, Stage::Head},

        // Chunked framing
        {"chunk 0x5", chunked("0x5\r\nhello\r\n0\r\n\r\n"), 400, Stage::Body},
        {"chunk overflow", chunked("FFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n"), 400, Stage::Body},
        {"chunk 16 digits", chunked("1000000000000000\r\nx\r\n"), 400, Stage::Body},
        {"chunk negative", chunked("-5\r\nhello\r\n0\r\n\r\n"), 400, Stage::Body},
        {"chunk size space", chunked("5 \r\nhello\r\n0\r\n\r\n"), 400, Stage::Body},
        {"chunk empty size", chunked("\r\nhello\r\n0\r\n\r\n"), 400, Stage::Body},
        {"chunk LF-only lines", chunked("5\nhello\n0\n\n"), 400, Stage::Body},
        {"chunk data then LF", chunked("5\r\nhello\n0\r\n\r\n"), 400, Stage::Body},
        {"chunk data too long", chunked("5\r\nhelloX\r\n0\r\n\r\n"), 400, Stage::Body},
        {"chunk ext CTL", chunked("5;a\x01z\r\nhello\r\n0\r\n\r\n"), 400, Stage::Body},
        {"chunk ext LF", chunked("5;a=b\nhello\r\n0\r\n\r\n"), 400, Stage::Body},
        {"chunk ext quoted DEL", chunked("5;a=\"b\x7f\"\r\nhello\r\n0\r\n\r\n"), 400, Stage::Body},
        {"chunk ext quoted-pair", chunked("5;a=\"b\\\"c\"\r\nhello\r\n0\r\n\r\n"), 400,
         Stage::Body},
        {"chunk ext empty name", chunked("5;;\r\nhello\r\n0\r\n\r\n"), 400, Stage::Body},
        {"chunk ext space", chunked("5; a=b\r\nhello\r\n0\r\n\r\n"), 400, Stage::Body},
        {"last chunk LF", chunked("5\r\nhello\r\n0\r\n\n"), 400, Stage::Body},
        {"trailer obs-fold", chunked("0\r\nX-T: a\r\n b\r\n\r\n"), 400, Stage::Body},
        {"trailer bare LF", chunked("0\r\nX-T: a\n\r\n"), 400, Stage::Body},
        {"truncated chunked body", chunked("5\r\nhel"), 400, Stage::EndOfInput},

        // Field syntax
        {"obs-fold", get("X-Foo: a\r\n b\r\n"), 400, Stage::Head},
        {"obs-fold tab", get("X-Foo: a\r\n\tb\r\n"), 400, Stage::Head},
        {"space before first field", QByteArray("GET / HTTP/1.1\r\n Host: a\r\n\r\n"), 400,
         Stage::Head},
        {"space before colon", get("X-Foo : a\r\n"), 400, Stage::Head},
        {"tab before colon", get("X-Foo\t: a\r\n"), 400, Stage::Head},
        {"Host with space before colon", QByteArray("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400,
         Stage::Head},
        {"bad name char", get("X(y): a\r\n"), 400, Stage::Head},
        {"slash in name", get("X/Y: a\r\n"), 400, Stage::Head},
        {"empty name", get(": a\r\n"), 400, Stage::Head},
        {"no colon", get("X-Foo a\r\n"), 400, Stage::Head},
        {"NUL in value", get(QByteArray("X: a\0b\r\n", 8)), 400, Stage::Head},
        {"SOH in value", get("X: a\x01z\r\n"), 400, Stage::Head},
        {"DEL in value", get("X: a\x7fz\r\n"), 400, Stage::Head},
        {"bare CR in value", get("X: a\rb\r\n"), 400, Stage::Head},
        {"bare LF after field", QByteArray("GET / HTTP/1.1\r\nHost: a\n\r\n"), 400, Stage::Head},
        {"bare LF at end", QByteArray("GET / HTTP/1.1\r\nHost: a\r\n\n"), 400, Stage::Head},
        {"bare LF everywhere", QByteArray("GET / HTTP/1.1\nHost: a\n\n"), 400, Stage::Head},
        {"bare LF before request", QByteArray("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), 400,
         Stage::Head},

        // Request line and version
        {"HTTP/2.0", QByteArray("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505, Stage::Head},
        {"HTTP/0.9", QByteArray("GET / HTTP/0.9\r\nHost: a\r\n\r\n"), 505, Stage::Head},
        {"HTTP/1.2", QByteArray("GET / HTTP/1.2\r\nHost: a\r\n\r\n"), 505, Stage::Head},
        {"HTTP/3", QByteArray("GET / HTTP/3\r\nHost: a\r\n\r\n"), 505, Stage::Head},
        {"HTTP/1", QByteArray("GET / HTTP/1\r\nHost: a\r\n\r\n"), 400, Stage::Head},
        {"http/1.1", QByteArray("GET / http/1.1\r\nHost: a\r\n\r\n"), 400, Stage::Head},
        {"HTTP/1.1x", QByteArray("GET / HTTP/1.1x\r\nHost: a\r\n\r\n"), 400, Stage::Head},
        {"HTTP/01.1", QByteArray("GET / HTTP/01.1\r\nHost: a\r\n\r\n"), 400, Stage::Head},
        {"no version", QByteArray("GET /\r\nHost: a\r\n\r\n"), 400, Stage::Head},
        {"double space", QByteArray("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), 400, Stage::Head},
        {"trailing space", QByteArray("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"), 400, Stage::Head},
        {"tab separator", QByteArray("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n"), 400, Stage::Head},
        {"bare CR in request line", QByteArray("GET / HTTP/1.1\rHost: a\r\n\r\n"), 400,
         Stage::Head},
        {"NUL in target", QByteArray("GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n", 30), 400,
         Stage::Head},
        {"high byte in target", QByteArray("GET /\xff HTTP/1.1\r\nHost: a\r\n\r\n"), 400,
         Stage::Head},
        {"unknown method", QByteArray("FOO / HTTP/1.1\r\nHost: a\r\n\r\n"), 501, Stage::Head},
        {"method bad char", QByteArray("G(T / HTTP/1.1\r\nHost: a\r\n\r\n"), 400, Stage::Head},
        {"CONNECT", QByteArray("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n"), 501, Stage::Head},
        {"authority-form GET", QByteArray("GET a:80 HTTP/1.1\r\nHost: a\r\n\r\n"), 400,
         Stage::Head},
        {"asterisk GET", QByteArray("GET * HTTP/1.1\r\nHost: a\r\n\r\n"), 400, Stage::Head},
        {"relative target", QByteArray("GET foo HTTP/1.1\r\nHost: a\r\n\r\n"), 400, Stage::Head},
        {"scheme without authority", QByteArray("GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n"), 400,
         Stage::Head},

        // Host
        {"missing Host", QByteArray("GET / HTTP/1.1\r\n\r\n"), 400, Stage::Head},
        {"two Hosts", get("Host: b\r\n"), 400, Stage::Head},
        {"two Hosts case", get("hOST: a\r\n"), 400, Stage::Head},

        // Message cut short or followed by junk
        {"head cut short", QByteArray("GET / HTTP/1.1\r\nHost: a\r\n"), 400, Stage::EndOfInput},
        {"request line cut short", QByteArray("GET / HTT"), 400, Stage::EndOfInput},
        {"CL body cut short", post("Content-Length: 10\r\n", "abc"), 400, Stage::EndOfInput},
        {"data after Connection: close", get("Connection: close\r\n") + get(""), 400,
         Stage::AfterMessage},
        {"data after HTTP/1.0", QByteArray("GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n"), 400,
         Stage::AfterMessage},
    };
}

} // namespace ToolCapture

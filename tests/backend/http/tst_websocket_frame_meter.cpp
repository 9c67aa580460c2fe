#include <backend/http/websocket_frame_meter.h>

#include <QTest>

#include <cstdint>

using namespace ToolCapture;

namespace {

enum : unsigned char {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA
};

// How a frame's length is written (RFC 6455 section 5.2): the shortest form, or a longer one.
enum class LengthForm { Shortest, Bits16, Bits64 };

// One frame: header and `payload` bytes (masked with a fixed key when `masked`).
QByteArray frame(unsigned char opcode, qsizetype payload, bool fin = true, bool masked = false,
                 LengthForm form = LengthForm::Shortest, unsigned char rsv = 0) {
    QByteArray out;
    out.append(char((fin ? 0x80 : 0) | rsv | opcode));
    const unsigned char mask = masked ? 0x80 : 0;
    if (form == LengthForm::Shortest && payload < 126) {
        out.append(char(mask | payload));
    } else if (form != LengthForm::Bits64 && payload <= 0xFFFF) {
        out.append(char(mask | 126));
        out.append(char(payload >> 8)).append(char(payload & 0xFF));
    } else {
        out.append(char(mask | 127));
        for (int shift = 56; shift >= 0; shift -= 8)
            out.append(char((std::uint64_t(payload) >> shift) & 0xFF));
    }
    const char key[4] = {0x37, char(0xFA), 0x21, 0x3D};
    if (masked)
        out.append(key, 4);
    for (qsizetype i = 0; i < payload; ++i)
        out.append(char(('a' + i % 26) ^ (masked ? key[i % 4] : 0)));
    return out;
}

WebSocketMessageStats expected(std::int64_t messages, std::int64_t dataBytes, std::int64_t largest,
                               std::int64_t control, bool malformed) {
    WebSocketMessageStats s;
    s.messages = messages;
    s.dataBytes = dataBytes;
    s.largestMessage = largest;
    s.controlFrames = control;
    s.malformed = malformed;
    return s;
}

QByteArray describe(const WebSocketMessageStats &s) {
    return QByteArray("messages ") + QByteArray::number(s.messages) + ", data bytes " +
           QByteArray::number(s.dataBytes) + ", largest " + QByteArray::number(s.largestMessage) +
           ", control " + QByteArray::number(s.controlFrames) + (s.malformed ? ", malformed" : "");
}

} // namespace

Q_DECLARE_METATYPE(ToolCapture::WebSocketMessageStats)

// Tests WebSocketFrameMeter: message counts and sizes from frame headers, however the bytes are
// split, and where a stream stops being frames.
class TestWebSocketFrameMeter : public QObject {
    Q_OBJECT

private slots:
    void counts_data();
    void counts();
    void lengthBeyondFourGigabytesIsSkipped();
    void malformedStreamStaysBroken();
};

void TestWebSocketFrameMeter::counts_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<WebSocketMessageStats>("stats");

    QTest::newRow("nothing") << QByteArray() << expected(0, 0, 0, 0, false);
    QTest::newRow("masked text (client)")
        << frame(Text, 5, true, true) << expected(1, 5, 5, 0, false);
    QTest::newRow("unmasked binary (upstream)") << frame(Binary, 7) << expected(1, 7, 7, 0, false);
    QTest::newRow("empty message") << frame(Text, 0) << expected(1, 0, 0, 0, false);
    QTest::newRow("largest 125-byte short form")
        << frame(Binary, 125, true, true) << expected(1, 125, 125, 0, false);
    QTest::newRow("16-bit length, masked")
        << frame(Binary, 300, true, true) << expected(1, 300, 300, 0, false);
    QTest::newRow("16-bit length at its top")
        << frame(Binary, 65535) << expected(1, 65535, 65535, 0, false);
    QTest::newRow("64-bit length") << frame(Binary, 70000) << expected(1, 70000, 70000, 0, false);
    QTest::newRow("64-bit length, masked")
        << frame(Text, 65536, true, true) << expected(1, 65536, 65536, 0, false);
    QTest::newRow("longer length forms than needed")
        << frame(Text, 3, true, true, LengthForm::Bits16) +
               frame(Text, 4, true, false, LengthForm::Bits64)
        << expected(2, 7, 4, 0, false);
    QTest::newRow("three messages")
        << frame(Text, 1, true, true) + frame(Binary, 200, true, true) + frame(Text, 3, true, true)
        << expected(3, 204, 200, 0, false);
    QTest::newRow("fragmented message")
        << frame(Text, 3, false, true) + frame(Continuation, 4, false, true) +
               frame(Continuation, 5, true, true)
        << expected(1, 12, 12, 0, false);
    QTest::newRow("fragmented, empty final frame")
        << frame(Binary, 10, false) + frame(Continuation, 0) + frame(Text, 2)
        << expected(2, 12, 10, 0, false);
    QTest::newRow("ping and pong within a fragmented message")
        << frame(Text, 3, false, true) + frame(Ping, 4, true, true) +
               frame(Continuation, 5, false, true) + frame(Pong, 0, true, true) +
               frame(Continuation, 6, true, true)
        << expected(1, 14, 14, 2, false);
    QTest::newRow("control frames only")
        << frame(Ping, 125) + frame(Pong, 125) + frame(Close, 2) << expected(0, 0, 0, 3, false);
    QTest::newRow("close after messages")
        << frame(Binary, 1000, true, true) + frame(Close, 2, true, true)
        << expected(1, 1000, 1000, 1, false);
    QTest::newRow("RSV1 (permessage-deflate) counts as sent")
        << frame(Text, 9, true, true, LengthForm::Shortest, 0x40) + frame(Text, 2)
        << expected(2, 11, 9, 0, false);
    QTest::newRow("last frame not complete yet")
        << frame(Text, 4) + frame(Binary, 300).first(150) << expected(1, 4 + 150 - 4, 4, 0, false);
    QTest::newRow("last header not complete yet")
        << frame(Text, 4) + frame(Binary, 70000).first(5) << expected(1, 4, 4, 0, false);
    QTest::newRow("fragmented message not finished")
        << frame(Text, 4) + frame(Text, 6, false) << expected(1, 10, 4, 0, false);

    // Malformed: counting stops at the bad header, what was counted before stays.
    QTest::newRow("reserved data opcode 0x3")
        << frame(Text, 4) + frame(0x3, 2) + frame(Text, 5) << expected(1, 4, 4, 0, true);
    QTest::newRow("reserved control opcode 0xB")
        << frame(Ping, 1) + frame(0xB, 0) + frame(Text, 5) << expected(0, 0, 0, 1, true);
    QTest::newRow("continuation of nothing")
        << frame(Text, 4) + frame(Continuation, 2) << expected(1, 4, 4, 0, true);
    QTest::newRow("new message inside a fragmented one")
        << frame(Text, 4, false) + frame(Binary, 2) + frame(Continuation, 1)
        << expected(0, 4, 0, 0, true);
    QTest::newRow("fragmented ping") << frame(Ping, 2, false) << expected(0, 0, 0, 0, true);
    QTest::newRow("ping longer than 125 bytes")
        << frame(Text, 1) + frame(Ping, 126) << expected(1, 1, 1, 0, true);
    QByteArray top(frame(Binary, 0, true, false, LengthForm::Bits64));
    top[2] = char(0x80);
    QTest::newRow("64-bit length with its top bit set") << top << expected(0, 0, 0, 0, true);
    QTest::newRow("HTTP instead of frames")
        << QByteArray("HTTP/1.1 200 OK\r\n\r\n") << expected(0, 0, 0, 0, true);
}

void TestWebSocketFrameMeter::counts() {
    QFETCH(QByteArray, bytes);
    QFETCH(WebSocketMessageStats, stats);
    {
        WebSocketFrameMeter whole;
        whole.consume(bytes.constData(), bytes.size());
        QVERIFY2(whole.stats() == stats, describe(whole.stats()).constData());
    }
    // Split in two at every byte: every header split at each of its bytes.
    for (qsizetype at = 0; at <= bytes.size(); ++at) {
        WebSocketFrameMeter split;
        split.consume(bytes.constData(), at);
        split.consume(bytes.constData() + at, bytes.size() - at);
        QVERIFY2(split.stats() == stats,
                 (describe(split.stats()) + " split at " + QByteArray::number(at)).constData());
    }
    // One byte per read.
    WebSocketFrameMeter trickle;
    for (qsizetype i = 0; i < bytes.size(); ++i)
        trickle.consume(bytes.constData() + i, 1);
    QVERIFY2(trickle.stats() == stats, describe(trickle.stats()).constData());
}

void TestWebSocketFrameMeter::lengthBeyondFourGigabytesIsSkipped() {
    // A 4 GiB + 5 message announced by its header passes in 64 KiB reads of the same buffer:
    // the payload is skipped by its length, never held.
    constexpr std::int64_t kLength = (std::int64_t(1) << 32) + 5;
    QByteArray header = frame(Binary, 0, true, true, LengthForm::Bits64);
    for (int i = 0; i < 8; ++i)
        header[2 + i] = char((std::uint64_t(kLength) >> (56 - 8 * i)) & 0xFF);
    WebSocketFrameMeter meter;
    meter.consume(header.constData(), header.size());
    const QByteArray chunk(64 * 1024, 'x');
    std::int64_t left = kLength;
    while (left > 0) {
        const qsizetype n = qsizetype(std::min<std::int64_t>(left, chunk.size()));
        meter.consume(chunk.constData(), n);
        left -= n;
        if (left > 0 && meter.stats().messages != 0)
            QFAIL("counted before its last byte");
    }
    QCOMPARE(meter.stats().messages, std::int64_t(1));
    QCOMPARE(meter.stats().dataBytes, kLength);
    QCOMPARE(meter.stats().largestMessage, kLength);
    const QByteArray next = frame(Text, 2, true, true);
    meter.consume(next.constData(), next.size());
    QCOMPARE(meter.stats().messages, std::int64_t(2));
    QVERIFY(!meter.stats().malformed);
}

void TestWebSocketFrameMeter::malformedStreamStaysBroken() {
    WebSocketFrameMeter meter;
    const QByteArray bytes = frame(Text, 3) + frame(0x4, 1);
    meter.consume(bytes.constData(), bytes.size());
    QVERIFY(meter.stats().malformed);
    // Well-formed frames afterwards are not counted: their boundaries are not known any more.
    for (int i = 0; i < 10; ++i) {
        const QByteArray more = frame(Binary, 10);
        meter.consume(more.constData(), more.size());
    }
    QCOMPARE(meter.stats(), expected(1, 3, 3, 0, true));
}

QTEST_GUILESS_MAIN(TestWebSocketFrameMeter)
#include "tst_websocket_frame_meter.moc"

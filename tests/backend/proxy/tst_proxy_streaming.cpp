#include <backend/http/http_response_parser.h>
#include <tests/backend/proxy/proxy_fixture.h>
#include <tests/support/process_stats.h>
#include <tests/support/raw_client.h>

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace ToolCapture;

namespace {

constexpr qint64 kTransferBytes = qint64(1) << 30;
constexpr qint64 kMaxGrowth = qint64(64) << 20;
constexpr qsizetype kPiece = 256 * 1024;

// The highest resident size seen since construction.
class RssWatch {
public:
    RssWatch()
        : m_before(residentBytes())
        , m_max(m_before) {}
    void sample() { m_max = qMax(m_max, residentBytes()); }
    qint64 growth() const { return m_max - m_before; }

private:
    qint64 m_before;
    qint64 m_max;
};

// Reads a response from a plain socket as it arrives, keeping counts, never the body.
class StreamingReader final : public HttpResponseParser::Handler {
public:
    int status = 0;
    HttpHeaders headers;
    qint64 bodyBytes = 0;
    QByteArray bodyStart; // the first 4 KiB, for small responses
    bool complete = false;

    // Reads until the response is complete, the connection ends or 60 s pass.
    void readFrom(int fd, RssWatch &watch) {
        HttpResponseParser parser(*this, HttpResponseParser::Limits{});
        parser.expectResponseTo("GET");
        QByteArray buffer(kPiece, Qt::Uninitialized);
        while (!complete) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 60000) != 1)
                return;
            const ssize_t n = ::recv(fd, buffer.data(), size_t(buffer.size()), 0);
            if (n <= 0)
                return;
            watch.sample();
            qsizetype offset = 0;
            while (offset < n && !complete) {
                const qsizetype used = parser.feed(buffer.constData() + offset, n - offset);
                if (parser.state() == HttpResponseParser::State::Failed)
                    return;
                offset += used;
                if (used == 0)
                    break;
            }
        }
    }

    void onResponseHead(ResponseHead &&head) override {
        status = head.status;
        headers = std::move(head.headers);
    }
    void onResponseBody(const char *data, qsizetype size) override {
        bodyBytes += size;
        if (bodyStart.size() < 4096)
            bodyStart.append(data, qMin<qsizetype>(size, 4096 - bodyStart.size()));
    }
    void onResponseComplete() override { complete = status >= 200; }
};

bool sendAll(int fd, const char *data, qsizetype size) {
    while (size > 0) {
        const ssize_t n = ::send(fd, data, size_t(size), MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        data += n;
        size -= n;
    }
    return true;
}

} // namespace

// 1 GiB each way through the proxy with bounded memory: bodies are streamed, never buffered.
class TestProxyStreaming : public QObject {
    Q_OBJECT

private slots:
    void upload_data() {
        QTest::addColumn<bool>("chunked");
        QTest::newRow("content-length") << false;
        QTest::newRow("chunked") << true;
    }
    void upload() {
        QFETCH(bool, chunked);
        TestUpstream upstream({TestUpstream::Mode::Sink, {}});
        ProxyConfig config = testConfig(1);
        config.limits.maxBodyBytes = 2 * kTransferBytes;
        auto proxy = startProxy(config, {{QStringLiteral("svc"), "/", {upstream.port()}}});
        QVERIFY(proxy);
        const int fd = connectLoopback(proxy->port());
        QVERIFY(fd >= 0);
        RssWatch watch;
        QElapsedTimer timer;
        timer.start();
        QByteArray head = "POST /upload HTTP/1.1\r\nHost: a\r\n";
        head += chunked ? QByteArray("Transfer-Encoding: chunked\r\n\r\n")
                        : "Content-Length: " + QByteArray::number(kTransferBytes) + "\r\n\r\n";
        QVERIFY(sendAll(fd, head.constData(), head.size()));
        QByteArray piece(kPiece, Qt::Uninitialized);
        for (qsizetype i = 0; i < piece.size(); ++i)
            piece[i] = char(i * 7 + i / 251);
        const QByteArray chunkHead = QByteArray::number(piece.size(), 16) + "\r\n";
        // The upstream's checksum is h = h * 31 + byte (mod 2^64) over the whole body; per
        // piece that is h = h * 31^size + hash(piece).
        quint64 pieceHash = 0;
        quint64 power = 1;
        for (char c : std::as_const(piece)) {
            pieceHash = pieceHash * 31 + quint8(c);
            power *= 31;
        }
        quint64 checksum = 0;
        for (qint64 sent = 0; sent < kTransferBytes; sent += piece.size()) {
            checksum = checksum * power + pieceHash;
            if (chunked)
                QVERIFY(sendAll(fd, chunkHead.constData(), chunkHead.size()));
            QVERIFY(sendAll(fd, piece.constData(), piece.size()));
            if (chunked)
                QVERIFY(sendAll(fd, "\r\n", 2));
            watch.sample();
        }
        if (chunked)
            QVERIFY(sendAll(fd, "0\r\n\r\n", 5));
        StreamingReader reader;
        reader.readFrom(fd, watch);
        ::close(fd);
        qInfo() << (chunked ? "chunked" : "content-length") << "upload of" << kTransferBytes
                << "bytes in" << timer.elapsed() << "ms; resident memory grew by"
                << watch.growth() / 1024 << "KiB";
        QVERIFY(reader.complete);
        QCOMPARE(reader.status, 200);
        const QJsonObject sink = QJsonDocument::fromJson(reader.bodyStart).object();
        QCOMPARE(qint64(sink.value("bytes").toDouble()), kTransferBytes);
        // JSON numbers are doubles: compare the checksum as the text the upstream wrote.
        QVERIFY2(reader.bodyStart.contains("\"checksum\":" + QByteArray::number(checksum) + "}"),
                 reader.bodyStart.constData());
        QCOMPARE(upstream.lastBodyBytes(), kTransferBytes);
        if (kResidentMemoryIsMeaningful)
            QVERIFY2(watch.growth() < kMaxGrowth, qPrintable(QString::number(watch.growth())));
    }

    void download_data() {
        QTest::addColumn<bool>("chunked");
        QTest::addColumn<bool>("cache");
        QTest::addColumn<QByteArray>("headers");
        QTest::newRow("content-length") << false << false << QByteArray();
        QTest::newRow("chunked") << true << false << QByteArray();
        // With the response cache on: a response it may not store is never buffered; one it
        // may store but that outgrows the per-object limit is dropped from the cache there.
        QTest::newRow("content-length, cache on, no-store")
            << false << true << QByteArray("Cache-Control: no-store\r\n");
        QTest::newRow("content-length, cache on, cacheable but too large")
            << false << true << QByteArray("Cache-Control: max-age=60\r\n");
        QTest::newRow("chunked, cache on, cacheable but too large")
            << true << true << QByteArray("Cache-Control: max-age=60\r\n");
    }
    void download() {
        QFETCH(bool, chunked);
        QFETCH(bool, cache);
        QFETCH(QByteArray, headers);
        TestUpstream::Behaviour behaviour{TestUpstream::Mode::Download, {}};
        behaviour.downloadBytes = kTransferBytes;
        behaviour.chunked = chunked;
        behaviour.headers = headers;
        TestUpstream upstream(behaviour);
        std::shared_ptr<ResponseCache> responseCache;
        if (cache) {
            ResponseCache::Options options;
            options.serviceCapacity = 1;
            options.services = {ResponseCache::ServicePolicy()};
            responseCache = std::make_shared<ResponseCache>(options, SteadyClock::instance());
        }
        auto proxy = startProxy(testConfig(1), {{QStringLiteral("svc"), "/", {upstream.port()}}},
                                nullptr, responseCache);
        QVERIFY(proxy);
        const int fd = connectLoopback(proxy->port());
        QVERIFY(fd >= 0);
        RssWatch watch;
        QElapsedTimer timer;
        timer.start();
        const QByteArray request = "GET /download HTTP/1.1\r\nHost: a\r\n\r\n";
        QVERIFY(sendAll(fd, request.constData(), request.size()));
        StreamingReader reader;
        reader.readFrom(fd, watch);
        ::close(fd);
        qInfo() << (chunked ? "chunked" : "content-length") << "download of" << reader.bodyBytes
                << "bytes in" << timer.elapsed() << "ms; resident memory grew by"
                << watch.growth() / 1024 << "KiB";
        QVERIFY(reader.complete);
        QCOMPARE(reader.status, 200);
        QCOMPARE(reader.bodyBytes, kTransferBytes);
        const HttpHeader *length = findHeader(reader.headers, "content-length");
        const HttpHeader *coding = findHeader(reader.headers, "transfer-encoding");
        if (chunked) {
            QVERIFY(!length);
            QVERIFY(coding && coding->value == "chunked");
        } else {
            QVERIFY(length && length->value == QByteArray::number(kTransferBytes));
            QVERIFY(!coding);
        }
        if (kResidentMemoryIsMeaningful)
            QVERIFY2(watch.growth() < kMaxGrowth, qPrintable(QString::number(watch.growth())));
        if (responseCache) {
            QCOMPARE(responseCache->totals(0).objects, 0); // nothing of it was kept
            QCOMPARE(responseCache->totals(0).uncacheable, 1u);
        }
    }
};

QTEST_GUILESS_MAIN(TestProxyStreaming)
#include "tst_proxy_streaming.moc"

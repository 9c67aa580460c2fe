#include <backend/core/crc32c.h>

#include <QByteArray>
#include <QTest>

using namespace ToolCapture;

// CRC-32C: the published check values, and the instruction path giving the table path's value
// for every length and alignment (the event spool's files are read back by either).
class TestCrc32c : public QObject {
    Q_OBJECT
private slots:
    void knownValues_data();
    void knownValues();
    void hardwareMatchesTables_data();
    void hardwareMatchesTables();
    void continuesAcrossPieces();
};

void TestCrc32c::knownValues_data() {
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<uint>("expected");
    QByteArray ascending(32, '\0');
    QByteArray descending(32, '\0');
    for (int i = 0; i < 32; ++i) {
        ascending[i] = char(i);
        descending[i] = char(31 - i);
    }
    // The check value of every CRC catalogue, and RFC 3720 appendix B.4's four 32-byte vectors.
    QTest::newRow("123456789") << QByteArray("123456789") << 0xe3069283u;
    QTest::newRow("empty") << QByteArray() << 0u;
    QTest::newRow("32 zeros") << QByteArray(32, '\0') << 0x8a9136aau;
    QTest::newRow("32 0xff") << QByteArray(32, '\xff') << 0x62a8ab43u;
    QTest::newRow("ascending") << ascending << 0x46dd794eu;
    QTest::newRow("descending") << descending << 0x113fdb5cu;
}

void TestCrc32c::knownValues() {
    QFETCH(QByteArray, data);
    QFETCH(uint, expected);
    QCOMPARE(crc32c(data.constData(), std::size_t(data.size())), expected);
    QCOMPARE(crc32cPortable(data.constData(), std::size_t(data.size())), expected);
}

void TestCrc32c::hardwareMatchesTables_data() {
    QTest::addColumn<int>("offset");
    for (int offset = 0; offset < 8; ++offset)
        QTest::addRow("offset %d", offset) << offset;
}

void TestCrc32c::hardwareMatchesTables() {
    QFETCH(int, offset);
    if (!crc32cHardware())
        QSKIP("no crc32 instruction on this machine: crc32c() is the table path itself");
    QByteArray buffer(offset + 1100, '\0');
    std::uint32_t seed = 0x9e3779b9u;
    for (char &c : buffer) {
        seed = seed * 1664525u + 1013904223u;
        c = char(seed >> 24);
    }
    const char *data = buffer.constData() + offset;
    for (std::size_t length = 0; length <= 1024; ++length) {
        const std::uint32_t tables = crc32cPortable(data, length);
        const std::uint32_t fast = crc32c(data, length);
        if (fast != tables)
            QFAIL(qPrintable(QStringLiteral("length %1: %2 against %3")
                                 .arg(length)
                                 .arg(fast, 8, 16, QLatin1Char('0'))
                                 .arg(tables, 8, 16, QLatin1Char('0'))));
    }
}

void TestCrc32c::continuesAcrossPieces() {
    const QByteArray text("The quick brown fox jumps over the lazy dog, twice over and again.");
    const std::uint32_t whole = crc32c(text.constData(), std::size_t(text.size()));
    for (qsizetype cut = 0; cut <= text.size(); ++cut) {
        const std::uint32_t first = crc32c(text.constData(), std::size_t(cut));
        QCOMPARE(crc32c(text.constData() + cut, std::size_t(text.size() - cut), first), whole);
        QCOMPARE(crc32cPortable(text.constData() + cut, std::size_t(text.size() - cut),
                                crc32cPortable(text.constData(), std::size_t(cut))),
                 whole);
    }
}

QTEST_GUILESS_MAIN(TestCrc32c)
#include "tst_crc32c.moc"

#include <backend/core/sha256.h>

#include <QByteArray>
#include <QCryptographicHash>
#include <QTest>

using namespace ToolCapture;

// SHA-256: FIPS 180-4's examples, and the CPU's instructions (where this machine has them)
// giving QCryptographicHash's digest for every length around the block and padding boundaries
// and however the input is cut into pieces. Without them Sha256 is QCryptographicHash.
class TestSha256 : public QObject {
    Q_OBJECT
private slots:
    void knownDigests_data();
    void knownDigests();
    void matchesQt_data();
    void matchesQt();
    void piecesGiveTheSameDigest();
    void reusedAfterReset();
};

namespace {

QByteArray hex(const Sha256::Digest &digest) {
    return QByteArray(reinterpret_cast<const char *>(digest.data()), qsizetype(digest.size()))
        .toHex();
}

QByteArray digestOf(QByteArrayView data, bool portable) {
    Sha256 sha;
    sha.setPortable(portable);
    sha.addData(data);
    return hex(sha.result());
}

QByteArray pattern(int length) {
    QByteArray bytes(length, '\0');
    for (int i = 0; i < length; ++i)
        bytes[i] = char((i * 131 + 7) & 0xff);
    return bytes;
}

} // namespace

void TestSha256::knownDigests_data() {
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QByteArray>("expected");
    QTest::addColumn<bool>("portable");
    const QByteArray million(1000000, 'a');
    for (const bool portable : {false, true}) {
        const char *mode = portable ? "QCryptographicHash" : "default";
        QTest::addRow("%s: empty", mode)
            << QByteArray()
            << QByteArray("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            << portable;
        QTest::addRow("%s: abc", mode)
            << QByteArray("abc")
            << QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
            << portable;
        QTest::addRow("%s: two blocks", mode)
            << QByteArray("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            << QByteArray("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
            << portable;
        QTest::addRow("%s: a million a", mode)
            << million
            << QByteArray("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
            << portable;
    }
}

void TestSha256::knownDigests() {
    QFETCH(QByteArray, data);
    QFETCH(QByteArray, expected);
    QFETCH(bool, portable);
    QCOMPARE(digestOf(data, portable), expected);
}

void TestSha256::matchesQt_data() {
    QTest::addColumn<int>("length");
    // Around the padding's boundary (55/56 bytes) and the block's (64), in one block and later.
    for (const int length : {1,   2,   31,  32,  54,  55,  56,  57,  63,  64,   65,
                             100, 119, 120, 127, 128, 129, 191, 192, 193, 1000, 4097})
        QTest::addRow("%d bytes", length) << length;
}

void TestSha256::matchesQt() {
    QFETCH(int, length);
    const QByteArray data = pattern(length);
    const QByteArray expected = QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
    if (!Sha256::hardware())
        QSKIP("this CPU has no SHA instructions: Sha256 is QCryptographicHash here");
    QCOMPARE(digestOf(data, false), expected);
}

void TestSha256::piecesGiveTheSameDigest() {
    const QByteArray data = pattern(300);
    const QByteArray expected = QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
    if (!Sha256::hardware())
        QSKIP("this CPU has no SHA instructions: Sha256 is QCryptographicHash here");
    for (const int cut : {1, 3, 17, 55, 63, 64, 65, 128}) {
        Sha256 sha;
        for (qsizetype at = 0; at < data.size(); at += cut) {
            sha.addData(
                QByteArrayView(data).sliced(at, std::min<qsizetype>(cut, data.size() - at)));
            sha.addData(QByteArrayView()); // an empty piece (a null view) changes nothing
        }
        QVERIFY2(hex(sha.result()) == expected,
                 qPrintable(QStringLiteral("pieces of %1 bytes").arg(cut)));
    }
}

void TestSha256::reusedAfterReset() {
    Sha256 sha;
    sha.addData("something else entirely, longer than one block of sixty-four bytes.....");
    (void)sha.result();
    sha.reset();
    sha.addData("GET:/bench/items:");
    QCOMPARE(hex(sha.result()),
             QCryptographicHash::hash("GET:/bench/items:", QCryptographicHash::Sha256).toHex());
}

QTEST_GUILESS_MAIN(TestSha256)
#include "tst_sha256.moc"

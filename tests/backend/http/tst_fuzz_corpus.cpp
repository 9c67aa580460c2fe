#include <tests/fuzz/fuzz_checks.h>

#include <QDir>
#include <QFile>
#include <QTest>

#include <optional>

using namespace ToolCapture;

// Replays the fuzzers' seed corpus through the same invariant checks as the fuzzers, so every
// build (any compiler, no libFuzzer) exercises them.
class TestFuzzCorpus : public QObject {
    Q_OBJECT

private slots:
    void replay_data();
    void replay();
    void everySplitOfEveryFile();
};

namespace {

QStringList corpusFiles(const QString &kind) {
    const QDir dir(QStringLiteral(TOOLCAPTURE_FUZZ_CORPUS_DIR) + '/' + kind);
    QStringList files;
    for (const QString &name : dir.entryList(QDir::Files, QDir::Name))
        files.append(dir.filePath(name));
    return files;
}

QByteArray readAll(const QString &path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

// The fuzzers' checks by corpus: the request parser's, the response parser's, the frame meter's.
std::string check(const QString &kind, const QByteArray &data, std::optional<unsigned> seed) {
    const auto *bytes = reinterpret_cast<const std::uint8_t *>(data.constData());
    const auto size = std::size_t(data.size());
    if (kind == QLatin1String("request"))
        return seed ? FuzzChecks::checkRequestParser(bytes, size, *seed)
                    : FuzzChecks::checkRequestParser(bytes, size);
    if (kind == QLatin1String("response"))
        return seed ? FuzzChecks::checkResponseParser(bytes, size, *seed)
                    : FuzzChecks::checkResponseParser(bytes, size);
    return seed ? FuzzChecks::checkWebSocketFrameMeter(bytes, size, *seed)
                : FuzzChecks::checkWebSocketFrameMeter(bytes, size);
}

const QStringList kKinds = {QStringLiteral("request"), QStringLiteral("response"),
                            QStringLiteral("websocket_frames")};

} // namespace

void TestFuzzCorpus::replay_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("path");
    for (const QString &kind : kKinds) {
        const QStringList files = corpusFiles(kind);
        QVERIFY2(files.size() >= (kind == QLatin1String("request") ? 30 : 5),
                 qPrintable(kind + " corpus too small"));
        for (const QString &path : files)
            QTest::newRow(qPrintable(kind + '/' + QFileInfo(path).fileName())) << kind << path;
    }
}

void TestFuzzCorpus::replay() {
    QFETCH(QString, kind);
    QFETCH(QString, path);
    const QByteArray data = readAll(path);
    QVERIFY(!data.isEmpty());
    const std::string violation = check(kind, data, std::nullopt);
    QVERIFY2(violation.empty(), violation.c_str());
}

void TestFuzzCorpus::everySplitOfEveryFile() {
    // Vary the seed that picks the cut points (and GET or HEAD) over the range of a byte, on
    // every file left intact (a changed first byte would only test a broken start line).
    int runs = 0;
    for (const QString &kind : kKinds) {
        for (const QString &path : corpusFiles(kind)) {
            const QByteArray data = readAll(path);
            for (unsigned seed = 0; seed < 256; seed += 7) {
                const std::string violation = check(kind, data, seed);
                QVERIFY2(violation.empty(), qPrintable(path + ": " + violation.c_str()));
                ++runs;
            }
        }
    }
    QVERIFY(runs > 1000);
}

QTEST_GUILESS_MAIN(TestFuzzCorpus)
#include "tst_fuzz_corpus.moc"

#include <backend/capture/capture_reader.h>
#include <backend/capture/capture_record_codec.h>
#include <backend/capture/capture_store.h>

#include <QFile>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>

using namespace ToolCapture;

Q_DECLARE_METATYPE(ToolCapture::CaptureQuery)

namespace {

constexpr std::int64_t kT0 = 1714564800000000; // 2024-05-01T12:00:00Z
constexpr std::int64_t kNoCap = 0;

// The search data set: record n (id n, from 1) cycles through services, instances, statuses,
// methods and paths; one record per millisecond; every fifth correlation id is shared.
constexpr int kSearchRecords = 60;
const char *const kServices[] = {"inventory", "pricing", "catalog"};
const char *const kMethods[] = {"GET", "GET", "POST", "DELETE"};
const int kStatuses[] = {200, 200, 404, 503, 201, 502, 200};
const char *const kPaths[] = {"/inventory/items/1", "/inventory/items/22", "/pricing/quote",
                              "/catalog", "/inventory2/x"};

CaptureRecord makeRecord(int n, qsizetype bodyBytes = 0) {
    CaptureRecord r;
    r.correlationId =
        (n % 5 == 0) ? QByteArray("shared-correlation") : "corr-" + QByteArray::number(n);
    r.clientAddress = "127.0.0.1:40000";
    r.acceptedAtUs = kT0 + std::int64_t(n) * 1000;
    r.connectedUs = 10;
    r.firstByteUs = 900;
    r.doneUs = 950;
    r.method = kMethods[n % 4];
    r.path = kPaths[n % 5];
    r.status = kStatuses[n % 7];
    r.service = QString::fromLatin1(kServices[n % 3]);
    r.instance = r.service + QLatin1Char('-') + QString::number(n % 2);
    r.attempts = 1;
    r.requestHeaders = {{"Host", "shop.local"},
                        {"User-Agent", "wrk/4.1"},
                        {"Accept", "application/json"},
                        {"X-Correlation-ID", r.correlationId}};
    r.responseHeaders = {{"Content-Type", "application/json"}};
    if (bodyBytes > 0)
        r.responseBody = QByteArray(bodyBytes, char('a' + n % 26));
    return r;
}

std::vector<CaptureRecord> makeBatch(int first, int count, qsizetype bodyBytes = 0) {
    std::vector<CaptureRecord> batch;
    for (int n = first; n < first + count; ++n)
        batch.push_back(makeRecord(n, bodyBytes));
    return batch;
}

// As makeBatch, with bodies of pseudo-random bytes: the store compresses its batches, and the
// file-size tests need records that take on disk about what they count for against the caps.
std::vector<CaptureRecord> makeIncompressibleBatch(int first, int count, qsizetype bodyBytes) {
    std::vector<CaptureRecord> batch = makeBatch(first, count);
    std::uint64_t state = std::uint64_t(first) * 0x9e3779b97f4a7c15ull + 1;
    for (CaptureRecord &r : batch) {
        r.responseBody.resize(bodyBytes);
        for (char &c : r.responseBody) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            c = char(state);
        }
    }
    return batch;
}

QList<qint64> ids(const std::vector<CaptureRecord> &records) {
    QList<qint64> out;
    for (const CaptureRecord &r : records)
        out.append(r.id);
    return out;
}

// Ids of the search data set matching `keep`, newest first.
QList<qint64> expectedIds(const std::function<bool(const CaptureRecord &)> &keep,
                          int limit = CaptureQuery::kDefaultLimit) {
    QList<qint64> out;
    for (int n = kSearchRecords; n >= 1 && out.size() < limit; --n) {
        if (keep(makeRecord(n)))
            out.append(n);
    }
    return out;
}

qint64 fileSize(const QString &path) {
    return QFileInfo(path).size();
}

} // namespace

class TestCaptureStore : public QObject {
    Q_OBJECT

private slots:
    void init();
    void appendAssignsIds();
    void recordsRoundTrip();
    void idsContinueAfterReopen();
    void search_data();
    void search();
    void paginates();
    void byCorrelationIdIsNewest();
    void correlationAcrossBuckets();
    void countCapDropsOldest();
    void byteCapDropsOldest();
    void batchLargerThanCap();
    void fileStaysBounded();
    void loweredCapShrinksFile();
    void newFileSettings();
    void convertsVersion1();
    void openErrors_data();
    void openErrors();
    void corruptFileIsLeftAlone();
    void closedStoreRefuses();
    void readerSeesWriterWhileOpen();
    void readerInOtherThread();

private:
    QString path() const { return m_dir->filePath(QStringLiteral("captures.sqlite")); }
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestCaptureStore::init() {
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestCaptureStore::appendAssignsIds() {
    CaptureStore store;
    QString error;
    QVERIFY2(store.open(path(), kNoCap, kNoCap, &error), qPrintable(error));
    std::vector<CaptureRecord> first = makeBatch(1, 3);
    QVERIFY2(store.append(first), qPrintable(store.lastError()));
    QCOMPARE(ids(first), (QList<qint64>{1, 2, 3}));
    std::vector<CaptureRecord> second = makeBatch(4, 2);
    QVERIFY(store.append(second));
    QCOMPARE(ids(second), (QList<qint64>{4, 5}));
    std::vector<CaptureRecord> none;
    QVERIFY(store.append(none));

    const CaptureStore::Stats stats = store.stats();
    QCOMPARE(stats.records, 5);
    QCOMPARE(stats.oldestId, 1);
    QCOMPARE(stats.newestId, 5);
    QCOMPARE(stats.dropped, 0);
    QVERIFY(stats.bytes > 5 * 100);
    QVERIFY(stats.fileBytes > 0);
}

void TestCaptureStore::recordsRoundTrip() {
    CaptureStore store;
    QVERIFY(store.open(path(), kNoCap, kNoCap));
    CaptureRecord full = makeRecord(7, 100);
    full.requestBody = QByteArray("\x00\xff", 2);
    full.routing = R"({"policy":"scoring"})";
    full.proxyError = "upstream-reset";
    full.service.clear(); // stored as NULL, read back empty
    full.instance.clear();
    std::vector<CaptureRecord> batch{full};
    QVERIFY(store.append(batch));

    CaptureReader reader;
    QString error;
    QVERIFY2(reader.open(path(), &error), qPrintable(error));
    const std::optional<CaptureRecord> back = reader.get(batch[0].id);
    QVERIFY(back);
    QCOMPARE(back->id, batch[0].id);
    QCOMPARE(encodeCaptureRecord(*back), encodeCaptureRecord(full));
    QVERIFY(!reader.get(batch[0].id + 1));
    QVERIFY(reader.lastError().isEmpty()); // not found is not an error
}

void TestCaptureStore::idsContinueAfterReopen() {
    {
        CaptureStore store;
        QVERIFY(store.open(path(), kNoCap, 4));
        std::vector<CaptureRecord> batch = makeBatch(1, 10);
        QVERIFY(store.append(batch));
        QCOMPARE(batch.back().id, 10);
    }
    CaptureStore store;
    QVERIFY(store.open(path(), kNoCap, 4));
    const CaptureStore::Stats before = store.stats();
    QCOMPARE(before.records, 4);
    QCOMPARE(before.oldestId, 7);
    QCOMPARE(before.dropped, 6);
    std::vector<CaptureRecord> batch = makeBatch(11, 2);
    QVERIFY(store.append(batch));
    QCOMPARE(ids(batch), (QList<qint64>{11, 12}));
    store.close();

    // Even with every record gone, ids do not start over.
    QVERIFY(store.open(path(), kNoCap, 1));
    batch = makeBatch(13, 1);
    QVERIFY(store.append(batch));
    QCOMPARE(batch[0].id, 13);
    QCOMPARE(store.stats().dropped, 6 + 2 + 4);
}

void TestCaptureStore::search_data() {
    QTest::addColumn<CaptureQuery>("query");
    QTest::addColumn<QList<qint64>>("expected");

    const auto row = [](const char *name, CaptureQuery q,
                        const std::function<bool(const CaptureRecord &)> &keep) {
        QTest::newRow(name) << q << expectedIds(keep, std::clamp(q.limit, 1, 1000));
    };
    CaptureQuery q;
    row("everything, default limit", q, [](const CaptureRecord &) { return true; });

    q = {};
    q.correlationId = "corr-17";
    row("correlation id", q, [](const CaptureRecord &r) { return r.correlationId == "corr-17"; });
    q.correlationId = "shared-correlation";
    row("shared correlation id", q,
        [](const CaptureRecord &r) { return r.correlationId == "shared-correlation"; });
    q.correlationId = "nobody";
    row("unknown correlation id", q, [](const CaptureRecord &) { return false; });

    q = {};
    q.service = QStringLiteral("pricing");
    row("service", q, [](const CaptureRecord &r) { return r.service == "pricing"; });
    q = {};
    q.instance = QStringLiteral("catalog-1");
    row("instance", q, [](const CaptureRecord &r) { return r.instance == "catalog-1"; });
    q = {};
    q.status = 404;
    row("status", q, [](const CaptureRecord &r) { return r.status == 404; });
    q = {};
    q.statusClass = 5;
    row("status class 5xx", q, [](const CaptureRecord &r) { return r.status / 100 == 5; });
    q = {};
    q.statusClass = 2;
    q.status = 201;
    row("status and class", q, [](const CaptureRecord &r) { return r.status == 201; });
    q = {};
    q.method = "POST";
    row("method", q, [](const CaptureRecord &r) { return r.method == "POST"; });
    q.method = "post";
    row("method is exact", q, [](const CaptureRecord &) { return false; });

    q = {};
    q.pathPrefix = "/inventory/";
    row("path prefix", q, [](const CaptureRecord &r) { return r.path.startsWith("/inventory/"); });
    q.pathPrefix = "/inventory";
    row("path prefix without slash", q,
        [](const CaptureRecord &r) { return r.path.startsWith("/inventory"); });
    q.pathPrefix = "/catalog";
    row("path prefix equal to a path", q,
        [](const CaptureRecord &r) { return r.path.startsWith("/catalog"); });
    q.pathPrefix = "/\xff";
    row("path prefix ending in 0xff", q, [](const CaptureRecord &) { return false; });

    q = {};
    q.fromUs = kT0 + 10 * 1000;
    q.toUs = kT0 + 20 * 1000;
    row("time range [from, to)", q, [](const CaptureRecord &r) {
        return r.acceptedAtUs >= kT0 + 10000 && r.acceptedAtUs < kT0 + 20000;
    });
    q = {};
    q.fromUs = kT0 + 55 * 1000;
    row("from only", q, [](const CaptureRecord &r) { return r.acceptedAtUs >= kT0 + 55000; });
    q = {};
    q.toUs = kT0 + 3 * 1000;
    row("to only", q, [](const CaptureRecord &r) { return r.acceptedAtUs < kT0 + 3000; });

    q = {};
    q.service = QStringLiteral("inventory");
    q.statusClass = 2;
    q.method = "GET";
    q.fromUs = kT0 + 5 * 1000;
    row("combined", q, [](const CaptureRecord &r) {
        return r.service == "inventory" && r.status / 100 == 2 && r.method == "GET" &&
               r.acceptedAtUs >= kT0 + 5000;
    });

    q = {};
    q.limit = 7;
    row("limit", q, [](const CaptureRecord &) { return true; });
    q.limit = 0;
    row("limit below 1 is 1", q, [](const CaptureRecord &) { return true; });
    q = {};
    q.beforeId = 30;
    q.limit = 5;
    row("before id", q, [](const CaptureRecord &r) {
        return r.acceptedAtUs < kT0 + 30 * 1000; // id n has time n
    });
}

void TestCaptureStore::search() {
    QFETCH(CaptureQuery, query);
    QFETCH(QList<qint64>, expected);
    // The same records stored as one batch, one by one and in batches of seven: the searches
    // skip batches by their summaries, and must find the same records however they were cut.
    for (const int batchSize : {kSearchRecords, 1, 7}) {
        const QString file = m_dir->filePath(QStringLiteral("search-%1.sqlite").arg(batchSize));
        {
            CaptureStore store;
            QVERIFY(store.open(file, kNoCap, kNoCap));
            for (int n = 1; n <= kSearchRecords; n += batchSize) {
                std::vector<CaptureRecord> batch =
                    makeBatch(n, std::min(batchSize, kSearchRecords + 1 - n));
                QVERIFY(store.append(batch));
            }
        }
        CaptureReader reader;
        QVERIFY(reader.open(file));
        const std::vector<CaptureRecord> found = reader.search(query);
        QVERIFY2(reader.lastError().isEmpty(), qPrintable(reader.lastError()));
        QCOMPARE(ids(found), expected);
    }
}

void TestCaptureStore::paginates() {
    CaptureStore store;
    QVERIFY(store.open(path(), kNoCap, kNoCap));
    std::vector<CaptureRecord> batch = makeBatch(1, kSearchRecords);
    QVERIFY(store.append(batch));
    CaptureReader reader;
    QVERIFY(reader.open(path()));

    CaptureQuery q;
    q.service = QStringLiteral("inventory");
    q.limit = 3;
    QList<qint64> all;
    int pages = 0;
    for (;;) {
        const std::vector<CaptureRecord> page = reader.search(q);
        if (page.empty())
            break;
        QVERIFY(int(page.size()) <= q.limit);
        all += ids(page);
        q.beforeId = page.back().id;
        ++pages;
    }
    QCOMPARE(all, expectedIds([](const CaptureRecord &r) { return r.service == "inventory"; }));
    QCOMPARE(pages, (all.size() + 2) / 3);
}

void TestCaptureStore::byCorrelationIdIsNewest() {
    CaptureStore store;
    QVERIFY(store.open(path(), kNoCap, kNoCap));
    std::vector<CaptureRecord> batch = makeBatch(1, kSearchRecords);
    QVERIFY(store.append(batch));
    CaptureReader reader;
    QVERIFY(reader.open(path()));

    std::optional<CaptureRecord> found = reader.byCorrelationId("corr-23");
    QVERIFY(found);
    QCOMPARE(found->id, 23);
    QCOMPARE(found->correlationId, QByteArray("corr-23"));
    found = reader.byCorrelationId("shared-correlation");
    QVERIFY(found);
    QCOMPARE(found->id, 60);
    QVERIFY(!reader.byCorrelationId("corr-99"));
    QVERIFY(!reader.byCorrelationId(""));
}

void TestCaptureStore::correlationAcrossBuckets() {
    // The correlation index is bucketed by id (4096 ids a bucket): lookups must probe them all,
    // from the newest, and stop at the oldest that is left.
    CaptureStore store;
    QVERIFY(store.open(path(), kNoCap, 7000));
    std::vector<CaptureRecord> batch = makeBatch(1, 10000);
    QVERIFY(store.append(batch));
    CaptureReader reader;
    QVERIFY(reader.open(path()));
    QCOMPARE(reader.stats().oldestId, 3001);

    QVERIFY(!reader.byCorrelationId("corr-2999")); // dropped by the cap
    for (int n : {3001, 4094, 4096, 8191, 8192, 9999}) {
        const std::optional<CaptureRecord> found =
            reader.byCorrelationId("corr-" + QByteArray::number(n));
        QVERIFY2(found, qPrintable(QString::number(n)));
        QCOMPARE(found->id, std::int64_t(n));
    }
    CaptureQuery q;
    q.correlationId = "shared-correlation";
    q.limit = 1000;
    QList<qint64> expected;
    for (qint64 n = 10000; n > 3000 && expected.size() < 1000; n -= 5)
        expected.append(n);
    QList<qint64> all = ids(reader.search(q));
    QCOMPARE(all, expected);
    q.beforeId = 5000;
    q.status = 200;
    expected.clear();
    for (qint64 n = 4995; n > 3000; n -= 5) {
        if (makeRecord(int(n)).status == 200)
            expected.append(n);
    }
    QCOMPARE(ids(reader.search(q)), expected);
}

void TestCaptureStore::countCapDropsOldest() {
    CaptureStore store;
    QVERIFY(store.open(path(), kNoCap, 100));
    for (int round = 0; round < 10; ++round) {
        std::vector<CaptureRecord> batch = makeBatch(1 + round * 30, 30);
        QVERIFY(store.append(batch));
        const CaptureStore::Stats stats = store.stats();
        QCOMPARE(stats.records, std::min<std::int64_t>(100, (round + 1) * 30));
        QCOMPARE(stats.newestId, (round + 1) * 30);
        QCOMPARE(stats.oldestId, stats.newestId - stats.records + 1);
        QCOMPARE(stats.dropped, (round + 1) * 30 - stats.records);
    }
    CaptureReader reader;
    QVERIFY(reader.open(path()));
    QVERIFY(!reader.get(200));
    QVERIFY(reader.get(201));
    QCOMPARE(reader.stats().records, 100);
    CaptureQuery all;
    all.limit = 1000;
    QCOMPARE(reader.search(all).size(), size_t(100));
}

void TestCaptureStore::byteCapDropsOldest() {
    const std::int64_t recordSize =
        CaptureStore::storedSize(encodeCaptureRecord(makeRecord(1, 1000)).size(), makeRecord(1));
    const std::int64_t cap = recordSize * 50 + recordSize / 2;
    CaptureStore store;
    QVERIFY(store.open(path(), cap, kNoCap));
    for (int round = 0; round < 8; ++round) {
        std::vector<CaptureRecord> batch = makeBatch(1 + round * 20, 20, 1000);
        QVERIFY(store.append(batch));
        const CaptureStore::Stats stats = store.stats();
        QVERIFY2(stats.bytes <= cap, qPrintable(QString::number(stats.bytes)));
        QCOMPARE(stats.newestId, (round + 1) * 20);
        QCOMPARE(stats.oldestId, stats.newestId - stats.records + 1);
    }
    const CaptureStore::Stats stats = store.stats();
    // Records differ by a byte or two (ids in the correlation id): about 50 fit.
    QVERIFY2(stats.records >= 49 && stats.records <= 51,
             qPrintable(QString::number(stats.records)));
    QCOMPARE(stats.dropped, 160 - stats.records);
}

void TestCaptureStore::batchLargerThanCap() {
    CaptureStore store;
    QVERIFY(store.open(path(), kNoCap, 10));
    std::vector<CaptureRecord> batch = makeBatch(1, 25);
    QVERIFY(store.append(batch));
    QCOMPARE(batch.front().id, 1); // every record got its id
    QCOMPARE(batch.back().id, 25);
    const CaptureStore::Stats stats = store.stats();
    QCOMPARE(stats.records, 10);
    QCOMPARE(stats.oldestId, 16);
    QCOMPARE(stats.dropped, 15);

    // A record larger than the byte cap on its own is never kept.
    CaptureStore small;
    QVERIFY(small.open(m_dir->filePath(QStringLiteral("small.sqlite")), 5000, kNoCap));
    std::vector<CaptureRecord> big{makeRecord(1, 10000)};
    QVERIFY(small.append(big));
    QCOMPARE(big[0].id, 1);
    QCOMPARE(small.stats().records, 0);
    QCOMPARE(small.stats().dropped, 1);
    std::vector<CaptureRecord> fits = makeBatch(2, 2, 100);
    QVERIFY(small.append(fits));
    QCOMPARE(small.stats().records, 2);
    QCOMPARE(small.stats().oldestId, 2);
}

void TestCaptureStore::fileStaysBounded() {
    // 20 rounds of appends beyond the count cap: the freed pages are reused, so the file
    // stops growing once the cap is reached.
    QList<qint64> sizes;
    for (int round = 0; round < 20; ++round) {
        CaptureStore store;
        QVERIFY(store.open(path(), kNoCap, 400));
        std::vector<CaptureRecord> batch =
            makeIncompressibleBatch(1 + round * 200, 200, 600 + round * 20);
        QVERIFY(store.append(batch));
        QCOMPARE(store.stats().records, std::min(400, (round + 1) * 200));
        store.close(); // checkpoints the log into the file
        sizes.append(fileSize(path()));
    }
    const qint64 atCap = sizes.at(2);
    // The last rounds' bodies are 1.5 times the third's; the file may grow by that much only.
    QVERIFY2(sizes.last() <= atCap * 1.6,
             qPrintable(QStringLiteral("%1 -> %2").arg(atCap).arg(sizes.last())));
    for (int round = 3; round < 20; ++round)
        QVERIFY2(sizes.at(round) <= sizes.at(round - 1) * 1.1 + 64 * 1024,
                 qPrintable(QStringLiteral("round %1: %2 -> %3")
                                .arg(round)
                                .arg(sizes.at(round - 1))
                                .arg(sizes.at(round))));
}

void TestCaptureStore::loweredCapShrinksFile() {
    {
        CaptureStore store;
        QVERIFY(store.open(path(), kNoCap, kNoCap));
        for (int round = 0; round < 4; ++round) {
            std::vector<CaptureRecord> batch = makeIncompressibleBatch(1 + round * 500, 500, 8000);
            QVERIFY(store.append(batch));
        }
    }
    const qint64 full = fileSize(path());
    QVERIFY2(full > 15 * 1024 * 1024, qPrintable(QString::number(full)));
    {
        CaptureStore store;
        QVERIFY(store.open(path(), kNoCap, 50));
        std::vector<CaptureRecord> batch = makeIncompressibleBatch(2001, 1, 8000);
        QVERIFY(store.append(batch));
        QCOMPARE(store.stats().records, 50);
    }
    // 50 records of 8 kB (400 kB) and the free pages kept for reuse (4 MiB): the rest of the
    // 2000 records' pages went back to the file system.
    const qint64 shrunk = fileSize(path());
    QVERIFY2(shrunk < 6 * 1024 * 1024,
             qPrintable(QStringLiteral("%1 -> %2").arg(full).arg(shrunk)));
}

void TestCaptureStore::newFileSettings() {
    CaptureStore store;
    QVERIFY(store.open(path(), kNoCap, kNoCap));
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), "settings");
    db.setDatabaseName(path());
    QVERIFY(db.open());
    {
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("wal"));
        QVERIFY(q.exec(QStringLiteral("PRAGMA auto_vacuum")) && q.next());
        QCOMPARE(q.value(0).toInt(), 2); // incremental
        // An append writes rows at the end of one table and maintains no index.
        QVERIFY(q.exec(QStringLiteral("SELECT count(*) FROM sqlite_schema WHERE type = 'index'")) &&
                q.next());
        QCOMPARE(q.value(0).toInt(), 0);
        QVERIFY(q.exec(QStringLiteral("SELECT value FROM meta WHERE key = 'schema_version'")) &&
                q.next());
        QCOMPARE(q.value(0).toInt(), 2);
    }
    db.close();
    db = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("settings"));
}

void TestCaptureStore::convertsVersion1() {
    // A store written by the previous layout (one row per record): records 3..9 kept, a gap at
    // 6 (dropped by a cap inside a batch), next id 12, 2 dropped.
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), "v1");
        db.setDatabaseName(path());
        QVERIFY(db.open());
        {
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral(
                "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID")));
            QVERIFY(q.exec(QStringLiteral(
                "CREATE TABLE captures (id INTEGER PRIMARY KEY, size INTEGER NOT NULL,"
                " accepted_at_us INTEGER NOT NULL, correlation_key INTEGER NOT NULL,"
                " status INTEGER NOT NULL, method BLOB, service TEXT, instance TEXT, path BLOB,"
                " record BLOB NOT NULL)")));
            QVERIFY(q.exec(QStringLiteral(
                "INSERT INTO meta (key, value) VALUES ('schema_version', 1), ('next_id', 12),"
                " ('records', 6), ('bytes', 600), ('dropped', 5)")));
            QVERIFY(q.prepare(QStringLiteral(
                "INSERT INTO captures (id, size, accepted_at_us, correlation_key, status,"
                " record) VALUES (?, 100, 0, 0, 0, ?)")));
            for (int n : {3, 4, 5, 7, 8, 9}) {
                q.bindValue(0, n);
                q.bindValue(1, encodeCaptureRecord(makeRecord(n)));
                QVERIFY(q.exec());
            }
        }
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("v1"));
    }
    CaptureStore store;
    QString error;
    QVERIFY2(store.open(path(), kNoCap, kNoCap, &error), qPrintable(error));
    CaptureStore::Stats stats = store.stats();
    QCOMPARE(stats.records, 6);
    QCOMPARE(stats.oldestId, 3);
    QCOMPARE(stats.newestId, 9);
    QCOMPARE(stats.dropped, 5);
    std::vector<CaptureRecord> batch = makeBatch(12, 2);
    QVERIFY(store.append(batch));
    QCOMPARE(batch.front().id, 12); // ids continue
    CaptureReader reader;
    QVERIFY(reader.open(path()));
    QVERIFY(!reader.get(6));
    for (int n : {3, 5, 7, 9}) {
        const std::optional<CaptureRecord> record = reader.get(n);
        QVERIFY2(record, qPrintable(QString::number(n)));
        QCOMPARE(encodeCaptureRecord(*record), encodeCaptureRecord(makeRecord(n)));
    }
    CaptureQuery all;
    QCOMPARE(ids(reader.search(all)), (QList<qint64>{13, 12, 9, 8, 7, 5, 4, 3}));
    QCOMPARE(reader.byCorrelationId("corr-7")->id, 7);
}

void TestCaptureStore::openErrors_data() {
    QTest::addColumn<QString>("setup");
    QTest::addColumn<QString>("message");
    QTest::newRow("directory under a regular file") << "file-as-dir"
                                                    << "cannot create the directory";
    QTest::newRow("path is a directory") << "dir"
                                         << "it is a directory";
    QTest::newRow("empty path") << "empty"
                                << "no path given";
    QTest::newRow("not a database") << "garbage"
                                    << "file is not a database";
    QTest::newRow("another application's database") << "foreign"
                                                    << "not a capture store";
    QTest::newRow("future schema version") << "future"
                                           << "schema version 99";
}

void TestCaptureStore::openErrors() {
    QFETCH(QString, setup);
    QFETCH(QString, message);
    QString target = path();
    if (setup == QLatin1String("file-as-dir")) {
        QFile file(m_dir->filePath(QStringLiteral("plain")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        target = m_dir->filePath(QStringLiteral("plain/sub/captures.sqlite"));
    } else if (setup == QLatin1String("dir")) {
        target = m_dir->path();
    } else if (setup == QLatin1String("empty")) {
        target.clear();
    } else if (setup == QLatin1String("garbage")) {
        QFile file(target);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(8192, 'x'));
    } else {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), "foreign");
        db.setDatabaseName(target);
        QVERIFY(db.open());
        {
            QSqlQuery q(db);
            if (setup == QLatin1String("foreign")) {
                QVERIFY(q.exec(QStringLiteral("CREATE TABLE notes (text TEXT)")));
            } else {
                CaptureStore store;
                QVERIFY(store.open(target, kNoCap, kNoCap));
                store.close();
                QVERIFY(q.exec(
                    QStringLiteral("UPDATE meta SET value = 99 WHERE key = 'schema_version'")));
            }
        }
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("foreign"));
    }

    CaptureStore store;
    QString error;
    QVERIFY(!store.open(target, kNoCap, kNoCap, &error));
    QVERIFY(!store.isOpen());
    QVERIFY2(error.contains(message), qPrintable(error));
    QVERIFY2(error.startsWith(QStringLiteral("cannot open capture store")), qPrintable(error));
    QCOMPARE(store.lastError(), error);

    if (setup != QLatin1String("empty") && setup != QLatin1String("dir")) {
        CaptureReader reader;
        QVERIFY(!reader.open(target, &error));
        QVERIFY2(error.startsWith(QStringLiteral("cannot read capture store")), qPrintable(error));
    }
}

void TestCaptureStore::corruptFileIsLeftAlone() {
    const QByteArray garbage = QByteArray("not sqlite at all\n").repeated(500);
    {
        QFile file(path());
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(garbage);
    }
    CaptureStore store;
    QVERIFY(!store.open(path(), kNoCap, kNoCap));
    QFile file(path());
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), garbage);
}

void TestCaptureStore::closedStoreRefuses() {
    CaptureStore store;
    std::vector<CaptureRecord> batch = makeBatch(1, 1);
    QVERIFY(!store.append(batch));
    QCOMPARE(store.lastError(), QStringLiteral("the capture store is not open"));
    CaptureReader reader;
    QVERIFY(!reader.get(1));
    QCOMPARE(reader.lastError(), QStringLiteral("the capture reader is not open"));
    QString error;
    QVERIFY(!reader.open(path(), &error)); // no store there yet
    QVERIFY2(error.contains(QLatin1String("no such file")), qPrintable(error));
}

void TestCaptureStore::readerSeesWriterWhileOpen() {
    CaptureStore store;
    QVERIFY(store.open(path(), kNoCap, 15));
    std::vector<CaptureRecord> batch = makeBatch(1, 10);
    QVERIFY(store.append(batch));

    CaptureReader reader;
    QString error;
    QVERIFY2(reader.open(path(), &error), qPrintable(error));
    QCOMPARE(reader.stats().newestId, 10);
    QVERIFY(reader.get(10));

    batch = makeBatch(11, 10);
    QVERIFY(store.append(batch));
    const CaptureStoreStats stats = reader.stats();
    QCOMPARE(stats.newestId, 20);
    QCOMPARE(stats.oldestId, 6);
    QCOMPARE(stats.records, 15);
    QCOMPARE(stats.dropped, 5);
    QCOMPARE(stats.bytes, store.stats().bytes);
    QVERIFY(reader.get(20));
    QVERIFY(!reader.get(5));
    QCOMPARE(reader.byCorrelationId("corr-19")->id, 19);
}

void TestCaptureStore::readerInOtherThread() {
    // The writer appends in its own thread while this one reads: every read is one committed
    // state (counters and id range agree), and the last state is seen.
    constexpr int kBatches = 30;
    constexpr int kBatchSize = 50;
    {
        CaptureStore store; // create the file first, so the reader can open it
        QVERIFY(store.open(path(), kNoCap, 500));
    }
    std::atomic<bool> writerOk{true};
    std::unique_ptr<QThread> writer(QThread::create([&] {
        CaptureStore store;
        if (!store.open(path(), kNoCap, 500)) {
            writerOk = false;
            return;
        }
        for (int i = 0; i < kBatches; ++i) {
            std::vector<CaptureRecord> batch = makeBatch(1 + i * kBatchSize, kBatchSize);
            if (!store.append(batch))
                writerOk = false;
        }
    }));
    CaptureReader reader;
    QVERIFY(reader.open(path()));
    writer->start();
    int reads = 0;
    bool consistent = true;
    const auto check = [&] {
        const CaptureStoreStats s = reader.stats();
        ++reads;
        if (s.records > 0 && s.records != s.newestId - s.oldestId + 1)
            consistent = false;
        if (s.records > 500)
            consistent = false;
        return s.newestId == kBatches * kBatchSize;
    };
    QTRY_VERIFY_WITH_TIMEOUT(check(), 15000);
    QVERIFY(writer->wait(15000));
    QVERIFY(writerOk);
    QVERIFY(consistent);
    QVERIFY(reads > 0);
    QCOMPARE(reader.stats().records, 500);
    QCOMPARE(reader.get(kBatches * kBatchSize)->correlationId,
             makeRecord(kBatches * kBatchSize).correlationId);
}

QTEST_GUILESS_MAIN(TestCaptureStore)
#include "tst_capture_store.moc"

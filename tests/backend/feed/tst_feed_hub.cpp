#include <backend/feed/feed_hub.h>

#include <QSignalSpy>
#include <QTest>

#include <map>

using namespace ToolCapture;

namespace {
constexpr int kTimeoutMs = 5000;
} // namespace

// FeedHub on its own: what it renders, when, and for whom.
class TestFeedHub : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void rendersOnlySubscribedSubjects();
    void stateDocumentsOnlyWhenChangedOrNew();
    void appendBatchesAreCappedAndKeptOnlyWhileSubscribed();
    void unknownSubjectsAreIgnored();

private:
    // Waits for the next batch of `subscriber`.
    bool nextBatch(quint64 subscriber);

    std::unique_ptr<FeedHub> m_hub;
    int m_clockRenders = 0;
    int m_servicesRenders = 0;
    QByteArray m_servicesDocument = "{\"services\":[]}";
    std::map<quint64, QList<QList<FeedMessage>>> m_batches;
};

void TestFeedHub::init() {
    m_hub = std::make_unique<FeedHub>(FeedHub::Options{std::chrono::milliseconds(20), 3});
    m_clockRenders = 0;
    m_servicesRenders = 0;
    m_batches.clear();
    // A document that changes each time it is rendered.
    m_hub->addStateSubject(QStringLiteral("clock"),
                           [this] { return QByteArray::number(++m_clockRenders); });
    m_hub->addStateSubject(QStringLiteral("services"), [this] {
        ++m_servicesRenders;
        return m_servicesDocument;
    });
    m_hub->addAppendSubject(QStringLiteral("captures"));
}

void TestFeedHub::cleanup() {
    m_hub.reset();
}

bool TestFeedHub::nextBatch(quint64 subscriber) {
    const qsizetype before = m_batches[subscriber].size();
    return QTest::qWaitFor([&] { return m_batches[subscriber].size() > before; }, kTimeoutMs);
}

void TestFeedHub::rendersOnlySubscribedSubjects() {
    QVERIFY(!m_hub->isTicking());
    const quint64 id =
        m_hub->addSubscriber([this](QList<FeedMessage> batch) { m_batches[1].append(batch); });
    QCOMPARE(id, quint64(1));
    QVERIFY(!m_hub->isTicking()); // a subscriber without subjects costs nothing
    m_hub->setSubjects(id, {QStringLiteral("clock")});
    QVERIFY(m_hub->isTicking());
    for (int i = 0; i < 5; ++i)
        QVERIFY(nextBatch(id));
    QVERIFY(m_clockRenders >= 5);
    QCOMPARE(m_servicesRenders, 0); // never subscribed: never rendered
    QCOMPARE(m_hub->renders(), quint64(m_clockRenders));

    m_hub->setSubjects(id, {QStringLiteral("clock"), QStringLiteral("services")});
    QVERIFY(nextBatch(id));
    QVERIFY(nextBatch(id));
    QVERIFY(m_servicesRenders >= 1);

    // Nobody left: the timer stops and nothing more is rendered.
    m_hub->setSubjects(id, {});
    QVERIFY(!m_hub->wants(QStringLiteral("clock")));
    m_hub->removeSubscriber(id);
    QVERIFY(!m_hub->isTicking());
    const quint64 renders = m_hub->renders();
    // A second hub's ticks measure the time that passes.
    FeedHub other(FeedHub::Options{std::chrono::milliseconds(20), 3});
    int otherTicks = 0;
    other.addStateSubject(QStringLiteral("clock"),
                          [&] { return QByteArray::number(++otherTicks); });
    other.setSubjects(other.addSubscriber([](QList<FeedMessage>) {}), {QStringLiteral("clock")});
    QTRY_VERIFY_WITH_TIMEOUT(otherTicks >= 5, kTimeoutMs);
    QCOMPARE(m_hub->renders(), renders);
}

void TestFeedHub::stateDocumentsOnlyWhenChangedOrNew() {
    const quint64 a =
        m_hub->addSubscriber([this](QList<FeedMessage> batch) { m_batches[1].append(batch); });
    m_hub->setSubjects(a, {QStringLiteral("services"), QStringLiteral("clock")});
    QVERIFY(nextBatch(a));
    auto countOf = [this](quint64 subscriber, const QString &subject) {
        int n = 0;
        for (const QList<FeedMessage> &batch : m_batches[subscriber]) {
            for (const FeedMessage &m : batch)
                n += m.subject == subject ? 1 : 0;
        }
        return n;
    };
    for (int i = 0; i < 4; ++i)
        QVERIFY(nextBatch(a));
    // Rendered each tick, published once: the document did not change.
    QVERIFY(m_servicesRenders >= 5);
    QCOMPARE(countOf(1, QStringLiteral("services")), 1);
    // A new subscriber gets the current document at once, the first one nothing new.
    const quint64 b =
        m_hub->addSubscriber([this](QList<FeedMessage> batch) { m_batches[2].append(batch); });
    m_hub->setSubjects(b, {QStringLiteral("services")});
    QVERIFY(nextBatch(b));
    QCOMPARE(countOf(2, QStringLiteral("services")), 1);
    QCOMPARE(m_batches[2].first().first().json, m_servicesDocument);
    QCOMPARE(countOf(1, QStringLiteral("services")), 1);
    // A change reaches both.
    m_servicesDocument = "{\"services\":[1]}";
    QVERIFY(nextBatch(b));
    QCOMPARE(countOf(1, QStringLiteral("services")), 2);
    QCOMPARE(m_batches[2].last().first().json, m_servicesDocument);
    // Sequence numbers increase across subjects and subscribers.
    quint64 last = 0;
    for (const QList<FeedMessage> &batch : m_batches[1]) {
        for (const FeedMessage &m : batch) {
            QVERIFY(m.seq > last);
            last = m.seq;
        }
    }
}

void TestFeedHub::appendBatchesAreCappedAndKeptOnlyWhileSubscribed() {
    m_hub->append(QStringLiteral("captures"), {"{\"id\":0}"}); // nobody: dropped
    const quint64 id =
        m_hub->addSubscriber([this](QList<FeedMessage> batch) { m_batches[1].append(batch); });
    m_hub->setSubjects(id, {QStringLiteral("captures")});
    QVERIFY(m_hub->wants(QStringLiteral("captures")));
    m_hub->append(QStringLiteral("captures"), {"{\"id\":1}", "{\"id\":2}"});
    m_hub->append(QStringLiteral("captures"), {"{\"id\":3}", "{\"id\":4}", "{\"id\":5}"});
    QVERIFY(nextBatch(id));
    const FeedMessage message = m_batches[1].last().first();
    QVERIFY(message.append);
    QCOMPARE(message.subject, QStringLiteral("captures"));
    // The cap is 3: the newest three, oldest first.
    QCOMPARE(message.json, QByteArray(R"([{"id":3},{"id":4},{"id":5}])"));
    QCOMPARE(m_hub->droppedItems(), quint64(2));
}

void TestFeedHub::unknownSubjectsAreIgnored() {
    const quint64 id = m_hub->addSubscriber([](QList<FeedMessage>) {});
    m_hub->setSubjects(id, {QStringLiteral("nonsense")});
    QVERIFY(!m_hub->wants(QStringLiteral("nonsense")));
    QVERIFY(!m_hub->isTicking());
    QVERIFY(!m_hub->hasSubject(QStringLiteral("nonsense")));
    QVERIFY(m_hub->isAppendSubject(QStringLiteral("captures")));
    QVERIFY(!m_hub->isAppendSubject(QStringLiteral("clock")));
}

QTEST_GUILESS_MAIN(TestFeedHub)
#include "tst_feed_hub.moc"

#include <backend/feed/remote_feed_transport.h>
#include <tests/gui/fixture/embedded_demo_engine.h>
#include <widgets/eliding_label.h>
#include <widgets/status_bar_panel.h>

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLayout>
#include <QMainWindow>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTest>

using namespace ToolCapture;

namespace {
constexpr int kTimeoutMs = 20000;
} // namespace

// The status bar panel against a running demo engine.
class TestStatusBarPanel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void showsTheEngineStatus();
    void ratesAfterTwoDocuments();
    void remoteEndpointShown();
    void storeUnreachableShown();
    void figuresGreyedWhileOutOfReach();
    void storeGivesWayWhenNarrow_data();
    void storeGivesWayWhenNarrow();

private:
    QString label(const char *name) const;

    std::unique_ptr<EmbeddedDemoEngine> m_engine;
    std::unique_ptr<StatusBarPanel> m_panel;
    QByteArray m_lastStatus; // the last status document the engine sent
};

void TestStatusBarPanel::initTestCase() {
    m_engine = std::make_unique<EmbeddedDemoEngine>();
    m_panel = std::make_unique<StatusBarPanel>(m_engine->feed());
    QString error;
    QVERIFY2(m_engine->start(&error), qPrintable(error));
    connect(m_engine->feed(), &FeedTransport::messages, this, [this](const QList<FeedMessage> &b) {
        for (const FeedMessage &message : b) {
            m_panel->apply(message);
            if (message.subject == QLatin1String("status"))
                m_lastStatus = message.json;
        }
    });
    m_engine->feed()->subscribe(StatusBarPanel::subjects());
    m_panel->resize(1400, 30);
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
}

void TestStatusBarPanel::cleanupTestCase() {
    m_panel.reset();
    m_engine.reset();
}

QString TestStatusBarPanel::label(const char *name) const {
    const auto *found = m_panel->findChild<QLabel *>(QLatin1String(name));
    return found ? found->text() : QStringLiteral("<no label %1>").arg(QLatin1String(name));
}

void TestStatusBarPanel::showsTheEngineStatus() {
    QTRY_VERIFY_WITH_TIMEOUT(m_panel->summary().has_value(), kTimeoutMs);
    const StatusSummary &s = *m_panel->summary();
    QCOMPARE(label("proxyAddress"), QStringLiteral("Proxy %1").arg(s.proxyAddress));
    QCOMPARE(label("adminAddress"), QStringLiteral("Admin %1").arg(s.adminAddress));
    QCOMPARE(label("kafka"), QStringLiteral("Kafka %1 (embedded, up)").arg(s.kafkaBrokers));
    QVERIFY(m_panel->findChild<QLabel *>(QStringLiteral("kafka"))
                ->toolTip()
                .contains(QLatin1String("kcat -b ")));
    QVERIFY(label("captures").endsWith(QLatin1String(" captured")));
    QVERIFY(label("spoolBacklog").startsWith(QLatin1String("spool ")));
    // The demo engine's intelligence store: SQLite in the test's data directory, connected.
    QTRY_VERIFY_WITH_TIMEOUT(m_panel->summary()->storeConnected, kTimeoutMs);
    QVERIFY2(label("store").startsWith(QLatin1String("store sqlite:/")),
             qPrintable(label("store")));
    QVERIFY2(label("store").endsWith(QLatin1String("/intelligence.sqlite")),
             qPrintable(label("store")));
    // Embedded: no endpoint named while the engine runs, and no gap where it would be.
    QCOMPARE(label("endpoint"), QString());
    QVERIFY(m_panel->findChild<QLabel *>(QStringLiteral("endpoint"))->isHidden());
    QVERIFY(m_panel->text().contains(s.proxyAddress));
}

void TestStatusBarPanel::ratesAfterTwoDocuments() {
    QTRY_VERIFY_WITH_TIMEOUT(m_panel->summary() && m_panel->summary()->requestsPerSecond,
                             kTimeoutMs);
    QVERIFY2(label("requestRate").endsWith(QLatin1String(" req/s")),
             qPrintable(label("requestRate")));
    QVERIFY(!label("requestRate").startsWith(QLatin1String("–")));
    QVERIFY2(label("errorRate").startsWith(QLatin1String("errors ")),
             qPrintable(label("errorRate")));
    QTRY_VERIFY_WITH_TIMEOUT(m_panel->summary()->capturesStored > 0, kTimeoutMs);
    const QString dir = qEnvironmentVariable("TOOLCAPTURE_SCREENSHOT_DIR");
    QDir().mkpath(dir);
    QVERIFY(m_panel->grab().save(dir + QStringLiteral("/status_bar_panel.png")));
}

void TestStatusBarPanel::remoteEndpointShown() {
    // The same engine through its admin listener, as `toolcapture --connect` sees it.
    RemoteFeedTransport::Options options;
    options.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_engine->adminPort()));
    options.token = EmbeddedDemoEngine::adminToken();
    RemoteFeedTransport remote(options);
    StatusBarPanel panel(&remote);
    connect(&remote, &FeedTransport::messages, &panel, [&panel](const QList<FeedMessage> &b) {
        for (const FeedMessage &message : b)
            panel.apply(message);
    });
    const auto *endpoint = panel.findChild<QLabel *>(QStringLiteral("endpoint"));
    QVERIFY(endpoint);
    QCOMPARE(endpoint->text(), QStringLiteral("Connecting to %1…").arg(remote.endpointLabel()));
    remote.subscribe(StatusBarPanel::subjects());
    QTRY_COMPARE_WITH_TIMEOUT(endpoint->text(),
                              QStringLiteral("Connected to %1").arg(remote.endpointLabel()),
                              kTimeoutMs);
    QVERIFY(!endpoint->isHidden());
    QTRY_VERIFY_WITH_TIMEOUT(panel.summary().has_value(), kTimeoutMs);
    QCOMPARE(panel.summary()->proxyAddress, m_panel->summary()->proxyAddress);
    QVERIFY(panel.text().startsWith(QStringLiteral("Connected to http://127.0.0.1:")));
}

void TestStatusBarPanel::figuresGreyedWhileOutOfReach() {
    // Connected: the figures are current.
    QTRY_VERIFY_WITH_TIMEOUT(!m_lastStatus.isEmpty(), kTimeoutMs);
    QCOMPARE(m_engine->feed()->connection(), FeedTransport::Connection::Connected);
    for (const char *name : {"proxyAddress", "kafka", "requestRate", "store"})
        QVERIFY2(m_panel->findChild<QLabel *>(QLatin1String(name))->isEnabled(), name);

    // A remote engine out of reach (nothing listens on port 1), with the figures it sent last.
    RemoteFeedTransport::Options options;
    options.url = QUrl(QStringLiteral("http://127.0.0.1:1"));
    options.token = EmbeddedDemoEngine::adminToken();
    RemoteFeedTransport remote(options);
    StatusBarPanel panel(&remote);
    panel.apply({QStringLiteral("status"), false, m_lastStatus, 1});
    QVERIFY(panel.summary().has_value());
    remote.subscribe(StatusBarPanel::subjects());
    QTRY_COMPARE_WITH_TIMEOUT(remote.connection(), FeedTransport::Connection::Lost, kTimeoutMs);
    const auto *endpoint = panel.findChild<QLabel *>(QStringLiteral("endpoint"));
    QVERIFY(endpoint->text().startsWith(QLatin1String("Connection to ")));
    QVERIFY(endpoint->isEnabled());
    for (const char *name : {"proxyAddress", "kafka", "requestRate", "store"}) {
        const auto *label = panel.findChild<QLabel *>(QLatin1String(name));
        QVERIFY2(!label->text().isEmpty(), name);
        QVERIFY2(!label->isEnabled(), name);
    }
}

void TestStatusBarPanel::storeUnreachableShown() {
    // The engine's own status document, as it reads while its store is away.
    QTRY_VERIFY_WITH_TIMEOUT(!m_lastStatus.isEmpty(), kTimeoutMs);
    QJsonObject status = QJsonDocument::fromJson(m_lastStatus).object();
    QJsonObject store = status.value(QLatin1String("store")).toObject();
    QVERIFY(store.value(QLatin1String("enabled")).toBool());
    store.insert(QStringLiteral("connected"), false);
    store.insert(QStringLiteral("location"), QStringLiteral("postgresql://tc@127.0.0.1:1/intel"));
    store.insert(QStringLiteral("pending_rows"), 1234);
    store.insert(QStringLiteral("dropped_rows"), 2);
    store.insert(QStringLiteral("last_error"), QStringLiteral("connection refused"));
    status.insert(QStringLiteral("store"), store);
    StatusBarPanel panel(m_engine->feed());
    panel.apply({QStringLiteral("status"), false, QJsonDocument(status).toJson(), 1});
    const auto *label = panel.findChild<QLabel *>(QStringLiteral("store"));
    QVERIFY(label);
    QCOMPARE(label->text(),
             QStringLiteral("store UNREACHABLE, %1 rows in memory").arg(QLocale().toString(1234)));
    QVERIFY2(label->toolTip().contains(QLatin1String("postgresql://tc@127.0.0.1:1/intel: "
                                                     "connection refused")),
             qPrintable(label->toolTip()));
    QVERIFY2(label->toolTip().contains(QLatin1String("2 row(s) dropped")),
             qPrintable(label->toolTip()));
    QVERIFY(panel.text().contains(QLatin1String("store UNREACHABLE")));
}

void TestStatusBarPanel::storeGivesWayWhenNarrow_data() {
    QTest::addColumn<QString>("location");
    QTest::addColumn<bool>("narrow");
    QTest::addColumn<bool>("elided");
    const QString shortPath = QStringLiteral("sqlite:/tmp/i.sqlite");
    const QString url = QStringLiteral("postgresql://tc@127.0.0.1:5433/intel");
    const QString longPath = QStringLiteral("sqlite:/home/operator-with-a-long-name/.local/share/"
                                            "ToolCapture/toolcapture/profiles/production/"
                                            "intelligence.sqlite");
    // Narrow: the store has room for "store sqlite:/tmp/i.sqlite" and no more.
    QTest::newRow("short, narrow: whole") << shortPath << true << false;
    QTest::newRow("URL, narrow: elided") << url << true << true;
    QTest::newRow("data directory path, narrow: elided") << longPath << true << true;
    QTest::newRow("data directory path, wide: whole") << longPath << false << false;
}

void TestStatusBarPanel::storeGivesWayWhenNarrow() {
    QFETCH(QString, location);
    QFETCH(bool, narrow);
    QFETCH(bool, elided);
    QTRY_VERIFY_WITH_TIMEOUT(!m_lastStatus.isEmpty(), kTimeoutMs);
    QJsonObject status = QJsonDocument::fromJson(m_lastStatus).object();
    QJsonObject store = status.value(QLatin1String("store")).toObject();
    store.insert(QStringLiteral("connected"), true);
    store.insert(QStringLiteral("location"), location);
    status.insert(QStringLiteral("store"), store);
    // Where the console puts it: in a main window's status bar, which, unlike a window of its
    // own, does not grow to the panel's minimum width.
    QMainWindow window;
    auto *panel = new StatusBarPanel(m_engine->feed());
    window.statusBar()->addPermanentWidget(panel, 1);
    panel->apply({QStringLiteral("status"), false, QJsonDocument(status).toJson(), 1});
    const auto *storeLabel = panel->findChild<ElidingLabel *>(QStringLiteral("store"));
    QVERIFY(storeLabel);
    const QList<QLabel *> others = panel->findChildren<QLabel *>();
    int othersWidth = 0;
    for (const QLabel *label : others) {
        if (label != storeLabel && !label->isHidden())
            othersWidth += label->sizeHint().width() + panel->layout()->spacing();
    }
    const int storeRoom =
        storeLabel->fontMetrics().horizontalAdvance(QStringLiteral("store sqlite:/tmp/i.sqlite")) +
        4;
    // The status bar's margins and size grip, as laid out at the wide size.
    window.resize(othersWidth + 3000, 200);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const int around = window.width() - panel->width();
    if (narrow) {
        window.resize(othersWidth + storeRoom + around, 200);
        QTRY_COMPARE(panel->width(), othersWidth + storeRoom);
    }

    // The label holds the whole location; the tooltip too.
    QCOMPARE(storeLabel->text(), QStringLiteral("store ") + location);
    QVERIFY2(storeLabel->toolTip().startsWith(location + QLatin1Char('\n')),
             qPrintable(storeLabel->toolTip()));
    const QString shown = storeLabel->shownText();
    if (!elided) {
        QCOMPARE(shown, storeLabel->text());
    } else {
        // The beginning (the scheme) and the end (the file name) stay; the middle goes.
        QVERIFY2(shown.contains(QChar(0x2026)), qPrintable(shown));
        QVERIFY2(shown.startsWith(QStringLiteral("store ") + location.left(3)), qPrintable(shown));
        QVERIFY2(shown.endsWith(location.right(3)), qPrintable(shown));
    }
    // Every other label keeps its whole text: none is clipped to make room for the store.
    for (const QLabel *label : others) {
        if (label != storeLabel)
            QVERIFY2(label->width() >= label->sizeHint().width(),
                     qPrintable(label->objectName() + QLatin1String(": ") + label->text()));
    }
}

QTEST_MAIN(TestStatusBarPanel)
#include "tst_status_bar_panel.moc"

#include <models/correlation_timeline_model.h>
#include <tests/gui/fixture/embedded_demo_engine.h>
#include <tests/gui/fixture/intelligence_documents.h>
#include <tests/gui/fixture/recording_feed_transport.h>
#include <widgets/capture_inspector.h>
#include <widgets/correlation_timeline_view.h>
#include <widgets/fraction_bar_delegate.h>
#include <widgets/patterns_view.h>
#include <widgets/recommendations_view.h>

#include <QComboBox>
#include <QDir>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <QTextBrowser>

using namespace ToolCapture;
namespace Docs = ToolCapture::ContractDocuments;

namespace {

constexpr int kTimeoutMs = 10000;

// The engine's side of the contract, from its documents: the list, and each action answered
// with the recommendation after it (or 409 when its state does not allow it).
FeedResponse contractEngine(const FeedRequest &request) {
    const QByteArray target = request.target;
    if (request.method == "GET" && target.startsWith("/api/v1/recommendations"))
        return RecordingFeedTransport::json(200, Docs::recommendations());
    if (request.method == "POST" && target.startsWith("/api/v1/recommendations/")) {
        const QList<QByteArray> parts =
            target.mid(int(qstrlen("/api/v1/recommendations/"))).split('/');
        const QByteArray id = parts.value(0);
        const QByteArray action = parts.value(1);
        const QByteArray status = action == "apply"     ? "applied"
                                  : action == "dismiss" ? "dismissed"
                                                        : "reverted";
        const QByteArray effect = action == "apply" ? QByteArray(R"({"metric": "cache_hit_ratio",
            "before": 0.1, "after": null, "score": null, "verdict": "measuring"})")
                                                    : QByteArray("null");
        return RecordingFeedTransport::json(200, Docs::recommendation(id, "high", status, effect));
    }
    if (target.startsWith("/api/v1/patterns")) {
        const int at = target.indexOf("window=");
        return RecordingFeedTransport::json(200, Docs::patterns(target.mid(at + 7, 2)));
    }
    if (target.startsWith("/api/v1/anomalies"))
        return RecordingFeedTransport::json(200, Docs::anomalies());
    if (target.startsWith("/api/v1/correlations/unknown"))
        return RecordingFeedTransport::problem(404, QStringLiteral("no events for that id"));
    if (target.startsWith("/api/v1/correlations/")) {
        return RecordingFeedTransport::json(
            200, Docs::correlation(target.mid(int(qstrlen("/api/v1/correlations/")))));
    }
    return RecordingFeedTransport::problem(404, QStringLiteral("No admin resource"));
}

QMessageBox *openBox(QWidget *parent, const QString &name) {
    for (QMessageBox *box : parent->findChildren<QMessageBox *>(name)) {
        if (box->isVisible())
            return box;
    }
    return nullptr;
}

void saveScreenshot(QWidget *widget, const QString &name) {
    const QString dir = qEnvironmentVariable("TOOLCAPTURE_SCREENSHOT_DIR");
    if (dir.isEmpty())
        return;
    QDir().mkpath(dir);
    QCoreApplication::sendPostedEvents(); // the layouts catch up with the last texts
    QVERIFY(widget->grab().save(dir + QLatin1Char('/') + name));
}

CaptureDetail detailOf(const QString &correlationId) {
    CaptureDetail detail;
    detail.summary.id = 7;
    detail.summary.correlationId = correlationId;
    detail.summary.method = QStringLiteral("GET");
    detail.summary.service = QStringLiteral("inventory");
    return detail;
}

} // namespace

// The console's intelligence views against the documents of docs/intelligence-api.md (served by
// a recording transport until the engine serves them) and against a real demo engine: what they
// request, what they show, the confirmations before a change, and what the operator reads when
// something is wrong.
class TestIntelligenceViews : public QObject {
    Q_OBJECT
private slots:
    void recommendationsSortedWithDetails();
    void emptyListSaysWhy_data();
    void emptyListSaysWhy();
    void buttonsFollowStatus_data();
    void buttonsFollowStatus();
    void applyAsksThenPosts();
    void revertAsksThenPosts();
    void dismissPostsAtOnce();
    void actionProblemShown();
    void badDocumentShown();
    void statusFilterQueries_data();
    void statusFilterQueries();
    void windowSelectorQueries_data();
    void windowSelectorQueries();
    void serviceFilterQueries();
    void anomalousRowsTinted_data();
    void anomalousRowsTinted();
    void patternsErrorShown();
    void timelineRequestsSelectedId();
    void timelineReadsOnlyWhenShown();
    void againstTheDemoEngine();

private:
    struct Recommendations {
        std::unique_ptr<RecordingFeedTransport> feed;
        std::unique_ptr<RecommendationsView> view;
    };
    Recommendations recommendations(RecordingFeedTransport::Answer answer = contractEngine);
};

TestIntelligenceViews::Recommendations
TestIntelligenceViews::recommendations(RecordingFeedTransport::Answer answer) {
    Recommendations out;
    out.feed = std::make_unique<RecordingFeedTransport>(std::move(answer));
    out.view = std::make_unique<RecommendationsView>(out.feed.get());
    out.view->resize(1200, 700);
    QSignalSpy loaded(out.view.get(), &RecommendationsView::loaded);
    out.view->show(); // reads the list
    if (!loaded.wait(kTimeoutMs))
        qWarning("the recommendations view did not load");
    return out;
}

void TestIntelligenceViews::recommendationsSortedWithDetails() {
    auto [feed, view] = recommendations();
    QCOMPARE(feed->lines().value(0), u"GET /api/v1/recommendations?status=all");
    QCOMPARE(view->stateText(), QString());
    QCOMPARE(view->table()->model()->rowCount(), 5);
    QStringList order;
    for (int row = 0; row < 5; ++row)
        order
            << view->table()->model()->index(row, 0).data(RecommendationsModel::IdRole).toString();
    QCOMPARE(order, (QStringList{"r-applied", "r-open", "r-dismissed", "r-reverted", "r-low"}));

    view->selectRecommendation(QStringLiteral("r-applied"));
    QCOMPARE(view->currentId(), u"r-applied");
    const QString details = view->detailsText();
    for (const char *part : {"Evidence", "5m", "cache_miss_rate", "0.9", "0.3", "cache.heuristics",
                             "false → true", "Measured effect:", "improved (+0.90)", "Applied"}) {
        QVERIFY2(details.contains(QString::fromUtf8(part)), qPrintable(part + (": " + details)));
    }
    saveScreenshot(view.get(), QStringLiteral("recommendations_view.png"));

    // The periodic read keeps the selection and the details.
    QSignalSpy loaded(view.get(), &RecommendationsView::loaded);
    view->setRefreshInterval(std::chrono::milliseconds(10));
    QVERIFY(loaded.wait(kTimeoutMs));
    view->setRefreshInterval(std::chrono::seconds(10));
    QVERIFY(feed->requests().size() >= 2);
    QCOMPARE(view->currentId(), u"r-applied");
    QCOMPARE(view->detailsText(), details);
}

void TestIntelligenceViews::buttonsFollowStatus_data() {
    QTest::addColumn<QString>("id");
    QTest::addColumn<bool>("apply");
    QTest::addColumn<bool>("dismiss");
    QTest::addColumn<bool>("revert");
    QTest::newRow("open") << "r-open" << true << true << false;
    QTest::newRow("applied") << "r-applied" << false << false << true;
    QTest::newRow("dismissed") << "r-dismissed" << false << false << false;
    QTest::newRow("reverted") << "r-reverted" << false << false << false;
}

void TestIntelligenceViews::buttonsFollowStatus() {
    QFETCH(QString, id);
    auto [feed, view] = recommendations();
    QVERIFY(!view->applyButton()->isEnabled()); // nothing selected
    view->selectRecommendation(id);
    QTEST(view->applyButton()->isEnabled(), "apply");
    QTEST(view->dismissButton()->isEnabled(), "dismiss");
    QTEST(view->revertButton()->isEnabled(), "revert");
    // Not even asked for through the slot when the state does not allow it.
    if (!view->applyButton()->isEnabled()) {
        QCOMPARE(view->requestAction(QStringLiteral("apply")), nullptr);
        QTest::qWait(0);
        QVERIFY(!feed->lines().join(u'\n').contains(u"POST"));
    }
}

void TestIntelligenceViews::applyAsksThenPosts() {
    auto [feed, view] = recommendations();
    view->selectRecommendation(QStringLiteral("r-open"));
    // Cancelled: nothing is sent.
    QTest::mouseClick(view->applyButton(), Qt::LeftButton);
    QMessageBox *box = openBox(view.get(), QStringLiteral("recommendationConfirmation"));
    QVERIFY(box);
    QVERIFY2(box->text().contains(u"cache.heuristics of catalog from false to true"),
             qPrintable(box->text()));
    box->button(QMessageBox::Cancel)->click();
    QCoreApplication::processEvents();
    QVERIFY(!feed->lines().join(u'\n').contains(u"POST"));

    QSignalSpy finished(view.get(), &RecommendationsView::actionFinished);
    QTest::mouseClick(view->applyButton(), Qt::LeftButton);
    box = openBox(view.get(), QStringLiteral("recommendationConfirmation"));
    QVERIFY(box);
    box->button(QMessageBox::Yes)->click();
    QVERIFY(finished.wait(kTimeoutMs));
    QCOMPARE(finished.at(0).at(2).toBool(), true);
    QVERIFY(feed->lines().contains(u"POST /api/v1/recommendations/r-open/apply"));
    // The answer is shown at once: applied, measuring; only Revert is left.
    QVERIFY2(view->resultText().contains(u"applied"), qPrintable(view->resultText()));
    QCOMPARE(view->currentId(), u"r-open");
    QVERIFY(!view->applyButton()->isEnabled());
    QVERIFY(view->revertButton()->isEnabled());
    QVERIFY(view->detailsText().contains(u"measuring"));
}

void TestIntelligenceViews::revertAsksThenPosts() {
    auto [feed, view] = recommendations();
    view->selectRecommendation(QStringLiteral("r-applied"));
    QMessageBox *box = view->requestAction(QStringLiteral("revert"));
    QVERIFY(box);
    QVERIFY2(box->text().contains(u"from true to false"), qPrintable(box->text()));
    QSignalSpy finished(view.get(), &RecommendationsView::actionFinished);
    box->button(QMessageBox::Yes)->click();
    QVERIFY(finished.wait(kTimeoutMs));
    QVERIFY(feed->lines().contains(u"POST /api/v1/recommendations/r-applied/revert"));
}

void TestIntelligenceViews::dismissPostsAtOnce() {
    auto [feed, view] = recommendations();
    view->selectRecommendation(QStringLiteral("r-low"));
    QSignalSpy finished(view.get(), &RecommendationsView::actionFinished);
    QTest::mouseClick(view->dismissButton(), Qt::LeftButton);
    QVERIFY(finished.wait(kTimeoutMs));
    QVERIFY(feed->lines().contains(u"POST /api/v1/recommendations/r-low/dismiss"));
    QVERIFY(!view->dismissButton()->isEnabled());
}

void TestIntelligenceViews::actionProblemShown() {
    const QString detail = QStringLiteral("recommendation r-open was dismissed meanwhile");
    auto [feed, view] = recommendations([detail](const FeedRequest &request) {
        if (request.method == "POST")
            return RecordingFeedTransport::problem(409, detail);
        return contractEngine(request);
    });
    view->selectRecommendation(QStringLiteral("r-open"));
    QSignalSpy finished(view.get(), &RecommendationsView::actionFinished);
    view->requestAction(QStringLiteral("apply"))->button(QMessageBox::Yes)->click();
    QVERIFY(finished.wait(kTimeoutMs));
    QCOMPARE(finished.at(0).at(2).toBool(), false);
    QVERIFY2(view->resultText().contains(detail + QStringLiteral(" (HTTP 409)")),
             qPrintable(view->resultText()));
    QMessageBox *error = openBox(view.get(), QStringLiteral("recommendationError"));
    QVERIFY(error);
    QVERIFY(error->text().contains(detail));
    error->close();
}

void TestIntelligenceViews::badDocumentShown() {
    auto [feed, view] = recommendations([](const FeedRequest &) {
        return RecordingFeedTransport::json(200, R"({"recommendations": [{"id": 17}]})");
    });
    QVERIFY2(view->stateText().contains(u"recommendations[0].id: expected a string"),
             qPrintable(view->stateText()));
    QCOMPARE(view->model()->rowCount(), 0);
    // A later good document clears it.
    feed->setAnswer(contractEngine);
    QSignalSpy loaded(view.get(), &RecommendationsView::loaded);
    view->reload();
    QVERIFY(loaded.wait(kTimeoutMs));
    QCOMPARE(view->stateText(), QString());
    QCOMPARE(view->model()->rowCount(), 5);
}

void TestIntelligenceViews::statusFilterQueries_data() {
    QTest::addColumn<QString>("status");
    QTest::newRow("open") << "open";
    QTest::newRow("expired") << "expired";
}

void TestIntelligenceViews::statusFilterQueries() {
    QFETCH(QString, status);
    auto [feed, view] = recommendations();
    auto *box = view->findChild<QComboBox *>(QStringLiteral("recommendationsStatus"));
    QVERIFY(box);
    QSignalSpy loaded(view.get(), &RecommendationsView::loaded);
    const int index = box->findData(status);
    QVERIFY(index > 0);
    box->setCurrentIndex(index);
    QVERIFY(loaded.wait(kTimeoutMs));
    QCOMPARE(feed->lines().last(), QStringLiteral("GET /api/v1/recommendations?status=") + status);
}

void TestIntelligenceViews::emptyListSaysWhy_data() {
    QTest::addColumn<QString>("status");
    QTest::addColumn<bool>("empty");
    QTest::addColumn<QString>("hint");
    QTest::newRow("recommendations") << "all" << false << "Select a recommendation";
    QTest::newRow("none at all") << "all" << true << "nothing in the traffic crossed a rule";
    QTest::newRow("none with a status") << "applied" << true << "No recommendation has this status";
}

void TestIntelligenceViews::emptyListSaysWhy() {
    // Where the details would be, an empty list says why it is empty: an operator opening the
    // demo sees no recommendation for minutes, as long as routing keeps every rule quiet.
    QFETCH(QString, status);
    QFETCH(bool, empty);
    QFETCH(QString, hint);
    auto [feed, view] = recommendations([empty](const FeedRequest &request) {
        if (empty && request.method == "GET" &&
            request.target.startsWith("/api/v1/recommendations"))
            return RecordingFeedTransport::json(200, R"({"recommendations": []})");
        return contractEngine(request);
    });
    QCOMPARE(view->stateText(), QString());
    if (status != u"all") {
        auto *box = view->findChild<QComboBox *>(QStringLiteral("recommendationsStatus"));
        QVERIFY(box);
        QSignalSpy loaded(view.get(), &RecommendationsView::loaded);
        box->setCurrentIndex(box->findData(status));
        QVERIFY(loaded.wait(kTimeoutMs));
    }
    QCOMPARE(view->table()->model()->rowCount() == 0, empty);
    auto *details = view->findChild<QTextBrowser *>(QStringLiteral("recommendationDetails"));
    QVERIFY(details);
    QVERIFY2(details->placeholderText().contains(hint), qPrintable(details->placeholderText()));
}

void TestIntelligenceViews::windowSelectorQueries_data() {
    QTest::addColumn<QString>("window");
    QTest::newRow("1m") << "1m";
    QTest::newRow("1h") << "1h";
    QTest::newRow("5m") << "5m";
}

void TestIntelligenceViews::windowSelectorQueries() {
    QFETCH(QString, window);
    RecordingFeedTransport feed(contractEngine);
    PatternsView view(&feed);
    view.setWindow(QStringLiteral("1h"));
    view.show();
    QTRY_COMPARE_WITH_TIMEOUT(view.model()->rowCount(), 2, kTimeoutMs);
    QSignalSpy loaded(&view, &PatternsView::loaded);
    view.setWindow(window == u"1h" ? QStringLiteral("5m") : window);
    view.setWindow(window);
    QTRY_COMPARE_WITH_TIMEOUT(view.model()->window(), window, kTimeoutMs);
    QCOMPARE(feed.lines().filter(u"/api/v1/patterns").last(),
             QStringLiteral("GET /api/v1/patterns?window=") + window);
    QVERIFY(feed.lines().contains(u"GET /api/v1/anomalies?active=true"));
    QCOMPARE(view.anomaliesModel()->rowCount(), 2);
    QCOMPARE(view.stateText(), QString());
    // (The plural form comes from the translation, not loaded here.)
    QVERIFY2(view.summaryText().startsWith(u"2 operation"), qPrintable(view.summaryText()));
    QVERIFY2(view.summaryText().contains(u"1 anomalous"), qPrintable(view.summaryText()));
}

void TestIntelligenceViews::serviceFilterQueries() {
    RecordingFeedTransport feed(contractEngine);
    PatternsView view(&feed);
    view.show();
    QTRY_COMPARE_WITH_TIMEOUT(view.model()->rowCount(), 2, kTimeoutMs);
    auto *box = view.findChild<QComboBox *>(QStringLiteral("patternsService"));
    QVERIFY(box);
    // The services of the document are offered.
    QVERIFY(box->findData(QStringLiteral("catalog")) > 0);
    QVERIFY(box->findData(QStringLiteral("inventory")) > 0);
    view.setService(QStringLiteral("catalog"));
    QTRY_COMPARE_WITH_TIMEOUT(feed.lines().filter(u"/api/v1/patterns").last(),
                              u"GET /api/v1/patterns?window=5m&service=catalog", kTimeoutMs);
    QSignalSpy loaded(&view, &PatternsView::loaded);
    QVERIFY(loaded.wait(kTimeoutMs));
    view.setService({});
    QTRY_COMPARE_WITH_TIMEOUT(feed.lines().filter(u"/api/v1/patterns").last(),
                              u"GET /api/v1/patterns?window=5m", kTimeoutMs);
}

void TestIntelligenceViews::anomalousRowsTinted_data() {
    QTest::addColumn<bool>("dark");
    QTest::newRow("light palette") << false;
    QTest::newRow("dark palette") << true;
}

void TestIntelligenceViews::anomalousRowsTinted() {
    QFETCH(bool, dark);
    RecordingFeedTransport feed(contractEngine);
    PatternsView view(&feed);
    if (dark) {
        QPalette palette = view.palette();
        palette.setColor(QPalette::Base, QColor(0x20, 0x20, 0x20));
        palette.setColor(QPalette::Window, QColor(0x30, 0x30, 0x30));
        palette.setColor(QPalette::Text, QColor(0xee, 0xee, 0xee));
        view.setPalette(palette);
    }
    view.resize(1200, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QTRY_COMPARE_WITH_TIMEOUT(view.model()->rowCount(), 2, kTimeoutMs);
    QTableView *table = view.table();
    int anomalous = -1;
    int normal = -1;
    for (int row = 0; row < 2; ++row) {
        if (table->model()->index(row, 0).data(PatternsModel::AnomalousRole).toBool())
            anomalous = row;
        else
            normal = row;
    }
    QVERIFY(anomalous >= 0 && normal >= 0);
    const QImage image = table->viewport()->grab().toImage();
    const auto background = [&](int row) {
        const QRect cell = table->visualRect(table->model()->index(row, 0));
        return image.pixelColor(cell.left() + 2, cell.top() + 2);
    };
    const QColor tint = FractionBarDelegate::highlightTint(table->palette());
    QCOMPARE(background(anomalous).name(), tint.name());
    QCOMPARE(background(normal).name(), table->palette().color(QPalette::Base).name());
    // Readable: a dark base keeps a dark tint, a light one a light tint.
    QCOMPARE(tint.lightness() < 128, dark);
    if (!dark)
        saveScreenshot(&view, QStringLiteral("patterns_view.png"));
}

void TestIntelligenceViews::patternsErrorShown() {
    RecordingFeedTransport feed([](const FeedRequest &request) {
        if (request.target.startsWith("/api/v1/patterns"))
            return RecordingFeedTransport::problem(400, QStringLiteral("unknown window"));
        return RecordingFeedTransport::problem(404, QStringLiteral("No admin resource"));
    });
    PatternsView view(&feed);
    QSignalSpy loaded(&view, &PatternsView::loaded);
    view.show();
    QVERIFY(loaded.wait(kTimeoutMs));
    QCOMPARE(loaded.at(0).at(0).toBool(), false);
    QTRY_VERIFY_WITH_TIMEOUT(view.stateText().contains(u"serves no anomalies"), kTimeoutMs);
    QVERIFY2(view.stateText().contains(u"unknown window (HTTP 400)"), qPrintable(view.stateText()));
}

void TestIntelligenceViews::timelineRequestsSelectedId() {
    RecordingFeedTransport feed(contractEngine);
    CaptureInspector inspector;
    inspector.setTransport(&feed);
    inspector.resize(900, 500);
    inspector.show();
    CorrelationTimelineView *timeline = inspector.timelineView();
    inspector.setDetail(detailOf(QStringLiteral("cid-7")));
    inspector.tabs()->setCurrentWidget(timeline);
    QTRY_COMPARE_WITH_TIMEOUT(timeline->model()->rowCount(), 3, kTimeoutMs);
    QCOMPARE(feed.lines(), QStringList{u"GET /api/v1/correlations/cid-7"_qs});
    QCOMPARE(timeline->messageText(), QString());
    QCOMPARE(timeline->model()->correlationId(), u"cid-7");
    saveScreenshot(&inspector, QStringLiteral("correlation_timeline.png"));

    // Unknown to the analyser: said as such, not as an error.
    QSignalSpy loaded(timeline, &CorrelationTimelineView::loaded);
    inspector.setDetail(detailOf(QStringLiteral("unknown-1")));
    QVERIFY(loaded.wait(kTimeoutMs));
    QCOMPARE(feed.lines().last(), u"GET /api/v1/correlations/unknown-1");
    QCOMPARE(timeline->model()->rowCount(), 0);
    QVERIFY2(
        timeline->messageText().startsWith(u"The analyser has nothing for this request (yet)."),
        qPrintable(timeline->messageText()));
    QVERIFY(!timeline->messageText().contains(u"404"));

    // Another error is one.
    feed.setAnswer([](const FeedRequest &) {
        return RecordingFeedTransport::problem(503, QStringLiteral("analyser starting"));
    });
    inspector.setDetail(detailOf(QStringLiteral("cid-8")));
    QVERIFY(loaded.wait(kTimeoutMs));
    QVERIFY2(timeline->messageText().contains(u"analyser starting (HTTP 503)"),
             qPrintable(timeline->messageText()));
}

void TestIntelligenceViews::timelineReadsOnlyWhenShown() {
    RecordingFeedTransport feed(contractEngine);
    CaptureInspector inspector;
    inspector.setTransport(&feed);
    inspector.show();
    QCOMPARE(inspector.tabs()->currentIndex(), 0);
    inspector.setDetail(detailOf(QStringLiteral("cid-1")));
    inspector.setDetail(detailOf(QStringLiteral("cid-2")));
    QCoreApplication::processEvents();
    QVERIFY(feed.requests().isEmpty()); // the Overview is shown: nothing to read
    QSignalSpy loaded(inspector.timelineView(), &CorrelationTimelineView::loaded);
    inspector.tabs()->setCurrentWidget(inspector.timelineView());
    QVERIFY(loaded.wait(kTimeoutMs));
    QCOMPARE(feed.lines(), QStringList{u"GET /api/v1/correlations/cid-2"_qs});
    // Shown again for the same request: not read again.
    inspector.tabs()->setCurrentIndex(0);
    inspector.tabs()->setCurrentWidget(inspector.timelineView());
    QCoreApplication::processEvents();
    QCOMPARE(feed.requests().size(), 1);
    inspector.clear();
    QCOMPARE(inspector.timelineView()->correlationId(), QString());
}

// A real engine: whatever it serves, the views show its documents or say why there are none,
// never a silently empty table.
void TestIntelligenceViews::againstTheDemoEngine() {
    EmbeddedDemoEngine engine;
    QString error;
    QVERIFY2(engine.start(&error), qPrintable(error));
    for (FeedTransport *feed : {engine.feed(), engine.remoteFeed()}) {
        RecommendationsView recommendations(feed);
        QSignalSpy recommendationsLoaded(&recommendations, &RecommendationsView::loaded);
        recommendations.show();
        QVERIFY(recommendationsLoaded.wait(kTimeoutMs));
        const bool ok = recommendationsLoaded.at(0).at(0).toBool();
        QCOMPARE(recommendations.stateText().isEmpty(), ok);
        if (!ok) {
            QVERIFY2(recommendations.stateText().contains(u"/api/v1/recommendations"),
                     qPrintable(recommendations.stateText()));
        }

        PatternsView patterns(feed);
        QSignalSpy patternsLoaded(&patterns, &PatternsView::loaded);
        patterns.show();
        QVERIFY(patternsLoaded.wait(kTimeoutMs));
        if (!patternsLoaded.at(0).at(0).toBool()) {
            QVERIFY2(patterns.stateText().contains(u"/api/v1/patterns?window=5m"),
                     qPrintable(patterns.stateText()));
        }

        // An id no analyser has seen: the friendly message, with or without an analyser.
        CaptureInspector inspector;
        inspector.setTransport(feed);
        inspector.show();
        inspector.tabs()->setCurrentWidget(inspector.timelineView());
        QSignalSpy timelineLoaded(inspector.timelineView(), &CorrelationTimelineView::loaded);
        inspector.setDetail(detailOf(QStringLiteral("00000000-0000-4000-8000-00000000dead")));
        QVERIFY(timelineLoaded.wait(kTimeoutMs));
        QVERIFY2(inspector.timelineView()->messageText().startsWith(
                     u"The analyser has nothing for this request (yet)."),
                 qPrintable(inspector.timelineView()->messageText()));
    }
}

QTEST_MAIN(TestIntelligenceViews)
#include "tst_intelligence_views.moc"

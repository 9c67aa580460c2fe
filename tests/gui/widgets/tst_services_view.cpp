#include <models/services_model.h>
#include <tests/gui/fixture/embedded_demo_engine.h>
#include <widgets/services_view.h>

#include <QDir>
#include <QSignalSpy>
#include <QTest>
#include <QTreeView>

using namespace ToolCapture;
using Column = ServicesModel::Column;

namespace {
constexpr int kTimeoutMs = 20000;
} // namespace

// The services view against a running demo engine: services and instances with their scores,
// the routing decision of the selected service, and why a forced-open instance is excluded.
class TestServicesView : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void fillsWithLiveData();
    void selectedServiceExplainsItsRouting();
    void excludedInstanceShowsWhy();
    void layoutStateRoundTrip();

private:
    std::unique_ptr<EmbeddedDemoEngine> m_engine;
    std::unique_ptr<ServicesView> m_view;
};

void TestServicesView::initTestCase() {
    m_engine = std::make_unique<EmbeddedDemoEngine>();
    QString error;
    QVERIFY2(m_engine->start(&error), qPrintable(error));
    m_view = std::make_unique<ServicesView>();
    m_view->resize(1300, 500);
    connect(m_engine->feed(), &FeedTransport::messages, this, [this](const QList<FeedMessage> &b) {
        for (const FeedMessage &message : b)
            m_view->apply(message);
    });
    m_engine->feed()->subscribe(ServicesView::subjects());
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
}

void TestServicesView::cleanupTestCase() {
    m_view.reset();
    m_engine.reset();
}

void TestServicesView::fillsWithLiveData() {
    ServicesModel *model = m_view->model();
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 3, kTimeoutMs);
    QTreeView *tree = m_view->tree();
    QCOMPARE(tree->model(), model);
    // Every service expanded: its instances are visible.
    for (int row = 0; row < model->rowCount(); ++row)
        QVERIFY(tree->isExpanded(model->index(row, 0)));
    QTRY_VERIFY_WITH_TIMEOUT(model->instanceIndex(QStringLiteral("catalog-2"))
                                 .siblingAtColumn(int(Column::Score))
                                 .data(ServicesModel::BarRole)
                                 .isValid(),
                             kTimeoutMs);
    // The score parts are drawn as bars by a delegate on their columns.
    QVERIFY(tree->itemDelegateForColumn(int(Column::Reliability)));
    QCOMPARE(tree->itemDelegateForColumn(int(Column::Reliability)),
             tree->itemDelegateForColumn(int(Column::Score)));
    QVERIFY(!tree->itemDelegateForColumn(int(Column::Name)));
    QVERIFY(tree->visualRect(model->instanceIndex(QStringLiteral("catalog-2"))
                                 .siblingAtColumn(int(Column::Score)))
                .isValid());
}

void TestServicesView::selectedServiceExplainsItsRouting() {
    ServicesModel *model = m_view->model();
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 3, kTimeoutMs);
    m_view->tree()->setCurrentIndex(model->index(0, 0));
    QTRY_VERIFY_WITH_TIMEOUT(m_view->routingText().contains(QLatin1String("chosen")), kTimeoutMs);
    QVERIFY(m_view->routingText().startsWith(QLatin1String("inventory: ")));
}

void TestServicesView::excludedInstanceShowsWhy() {
    const QString id = QStringLiteral("inventory-2");
    std::optional<FeedResponse> answer;
    m_engine->feed()->request(
        {"POST", "/api/v1/breakers/" + id.toUtf8(), R"({"action":"force_open","actor":"test"})"},
        this, [&answer](const FeedResponse &r) { answer = r; });
    QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), kTimeoutMs);
    QCOMPARE(answer->status, 200);
    ServicesModel *model = m_view->model();
    QTRY_VERIFY_WITH_TIMEOUT(model->instanceIndex(id)
                                 .siblingAtColumn(int(Column::Why))
                                 .data(ServicesModel::ExcludedRole)
                                 .toBool(),
                             kTimeoutMs);
    m_view->tree()->setCurrentIndex(model->instanceIndex(id));
    QTRY_VERIFY_WITH_TIMEOUT(m_view->routingText().contains(id + QStringLiteral(": ")), kTimeoutMs);
    QVERIFY(m_view->routingText().contains(QLatin1String("breaker")));
    const QString dir = qEnvironmentVariable("TOOLCAPTURE_SCREENSHOT_DIR");
    QDir().mkpath(dir);
    QVERIFY(m_view->grab().save(dir + QStringLiteral("/services_view.png")));
}

void TestServicesView::layoutStateRoundTrip() {
    const int column = int(Column::Latency);
    m_view->tree()->setColumnWidth(column, 222);
    const QByteArray state = m_view->saveState();
    ServicesView other;
    QVERIFY(other.tree()->columnWidth(column) != 222);
    QVERIFY(!other.restoreState("not a state"));
    QVERIFY(other.restoreState(state));
    QCOMPARE(other.tree()->columnWidth(column), 222);
}

QTEST_MAIN(TestServicesView)
#include "tst_services_view.moc"

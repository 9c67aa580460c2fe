#include <backend/core/logging.h>

#include <QTest>

using namespace ToolCapture;

// What installLogHandler lets through: info and above by default, debug when asked; an
// operator's QT_LOGGING_RULES win over both.
class TestLogging : public QObject {
    Q_OBJECT
private slots:
    void init() { qunsetenv("QT_LOGGING_RULES"); } // set by operatorRulesWin
    void cleanupTestCase() { QLoggingCategory::setFilterRules(QString()); }

    void debugOffByDefault() {
        installLogHandler(false);
        QVERIFY(!lcEngine().isDebugEnabled());
        QVERIFY(!lcEvents().isDebugEnabled());
        QVERIFY(lcEngine().isInfoEnabled());
        QVERIFY(lcEngine().isWarningEnabled());
    }

    void debugWhenAsked() {
        installLogHandler(false, true);
        QVERIFY(lcEngine().isDebugEnabled());
        QVERIFY(lcProxy().isDebugEnabled());
        installLogHandler(false, false);
        QVERIFY(!lcProxy().isDebugEnabled());
    }

    // Qt reads QT_LOGGING_RULES once, at start, and its rules win; what is tested here is that
    // the handler leaves the rules alone when it is set (here as if read at start).
    void operatorRulesWin() {
        QLoggingCategory::setFilterRules(QStringLiteral("toolcapture.proxy.debug=true"));
        qputenv("QT_LOGGING_RULES", "toolcapture.proxy.debug=true");
        installLogHandler(false, false);
        QVERIFY(lcProxy().isDebugEnabled());
    }
};

QTEST_GUILESS_MAIN(TestLogging)
#include "tst_logging.moc"

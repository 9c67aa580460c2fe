#include <app/connect_dialog.h>
#include <app/recent_connections.h>

#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTest>

using namespace ToolCapture;

// File > Connect…: what is a URL to connect to, and the recent connections kept in QSettings.
class TestConnectDialog : public QObject {
    Q_OBJECT
private slots:
    void parsesUrls_data();
    void parsesUrls();
    void recentConnectionsAreKept();
    void dialogOffersTheRecentOnes();
};

void TestConnectDialog::parsesUrls_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("url"); // empty: refused

    QTest::newRow("http") << QStringLiteral("http://127.0.0.1:8091")
                          << QStringLiteral("http://127.0.0.1:8091");
    QTest::newRow("path dropped") << QStringLiteral(" http://127.0.0.1:8091/api/v1/status ")
                                  << QStringLiteral("http://127.0.0.1:8091");
    QTest::newRow("https") << QStringLiteral("https://proxy.example:9443")
                           << QStringLiteral("https://proxy.example:9443");
    QTest::newRow("host and port")
        << QStringLiteral("127.0.0.1:8091") << QStringLiteral("http://127.0.0.1:8091");
    QTest::newRow("empty") << QString() << QString();
    QTest::newRow("ftp") << QStringLiteral("ftp://127.0.0.1:21") << QString();
    QTest::newRow("no host") << QStringLiteral("http://:8091") << QString();
}

void TestConnectDialog::parsesUrls() {
    QFETCH(QString, text);
    QFETCH(QString, url);
    QString error;
    const QUrl parsed = ConnectDialog::parseUrl(text, &error);
    QCOMPARE(parsed.toString(), url);
    QCOMPARE(error.isEmpty(), !url.isEmpty());
}

void TestConnectDialog::recentConnectionsAreKept() {
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("recent.ini")), QSettings::IniFormat);
    RecentConnections recent;
    for (int i = 0; i < RecentConnections::kMaxEntries + 2; ++i)
        recent.add({QUrl(QStringLiteral("http://127.0.0.1:%1").arg(9000 + i)),
                    QStringLiteral("/tmp/token-%1").arg(i)});
    // Again the oldest kept one: it moves to the top instead of appearing twice.
    recent.add({QUrl(QStringLiteral("http://127.0.0.1:9005")), QStringLiteral("/tmp/other")});
    recent.save(settings);
    settings.sync();

    const RecentConnections loaded = RecentConnections::load(settings);
    QCOMPARE(loaded.entries().size(), RecentConnections::kMaxEntries);
    QCOMPARE(loaded.entries(), recent.entries());
    QCOMPARE(loaded.entries().constFirst().url, QUrl(QStringLiteral("http://127.0.0.1:9005")));
    QCOMPARE(loaded.tokenFileFor(QUrl(QStringLiteral("http://127.0.0.1:9005"))),
             QStringLiteral("/tmp/other"));
    QCOMPARE(loaded.entries().constLast().url, QUrl(QStringLiteral("http://127.0.0.1:9002")));
    QVERIFY(loaded.tokenFileFor(QUrl(QStringLiteral("http://127.0.0.1:9000"))).isEmpty());
}

void TestConnectDialog::dialogOffersTheRecentOnes() {
    QTemporaryFile tokenA;
    QTemporaryFile tokenB;
    QVERIFY(tokenA.open() && tokenB.open());
    RecentConnections recent;
    recent.add({QUrl(QStringLiteral("http://127.0.0.1:9001")), tokenA.fileName()});
    recent.add({QUrl(QStringLiteral("http://127.0.0.1:9002")), tokenB.fileName()});
    ConnectDialog dialog(recent);
    auto *url = dialog.findChild<QComboBox *>(QStringLiteral("connectUrl"));
    auto *ok = dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
    QVERIFY(url && ok);
    QCOMPARE(url->count(), 2);
    QCOMPARE(dialog.url(), QUrl(QStringLiteral("http://127.0.0.1:9002")));
    QCOMPARE(dialog.tokenFile(), tokenB.fileName());
    QVERIFY(ok->isEnabled());

    url->setCurrentIndex(1); // the older one brings its own token file
    QCOMPARE(dialog.tokenFile(), tokenA.fileName());
    dialog.setTokenFile(QStringLiteral("/nonexistent/token"));
    QVERIFY(!ok->isEnabled());
    dialog.setTokenFile(tokenA.fileName());
    dialog.setUrl(QStringLiteral("ftp://x"));
    QVERIFY(!ok->isEnabled());
    QVERIFY(!dialog.findChild<QLabel *>(QStringLiteral("connectError"))->text().isEmpty());
}

QTEST_MAIN(TestConnectDialog)
#include "tst_connect_dialog.moc"

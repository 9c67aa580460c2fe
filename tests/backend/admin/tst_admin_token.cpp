#include <backend/admin/admin_token.h>

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace ToolCapture;

namespace {

constexpr QFileDevice::Permissions kGroupOrOther =
    QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ExeGroup |
    QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther;

bool writeFile(const QString &path, const QByteArray &bytes, QFileDevice::Permissions permissions) {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return file.write(bytes) == bytes.size() && file.setPermissions(permissions);
}

} // namespace

class TestAdminToken : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void configuredTokenWinsAndWritesNothing();
    void generatedAtFirstStartOwnerOnly();
    void secondStartReadsTheSameToken();
    void laxPermissionsAreTightened();
    void emptyFileIsReplaced();
    void generatedTokensDiffer();
    void unusableDirectoryFails();
    void defaultDirectoryIsAppConfig();
    void matches_data();
    void matches();

private:
    QString dir(const QString &name) const { return m_temp.filePath(name); }
    QTemporaryDir m_temp;
};

void TestAdminToken::initTestCase() {
    QVERIFY(m_temp.isValid());
}

void TestAdminToken::configuredTokenWinsAndWritesNothing() {
    const QString directory = dir("configured");
    QString error;
    const auto token = AdminToken::load("s3cret", directory, &error);
    QVERIFY2(token, qPrintable(error));
    QCOMPARE(token->value(), QString("s3cret"));
    QVERIFY(token->fromConfiguration());
    QVERIFY(!token->wasGenerated());
    QVERIFY(token->filePath().isEmpty());
    QVERIFY(!QFileInfo::exists(directory));
    QVERIFY(!token->describe().contains("s3cret"));
}

void TestAdminToken::generatedAtFirstStartOwnerOnly() {
    const QString directory = dir("first/start"); // created on the way
    QString error;
    const auto token = AdminToken::load({}, directory, &error);
    QVERIFY2(token, qPrintable(error));
    QVERIFY(token->wasGenerated());
    QVERIFY(!token->fromConfiguration());
    QCOMPARE(token->filePath(), QDir(directory).filePath("admin-token"));
    static const QRegularExpression hex("^[0-9a-f]{64}$");
    QVERIFY2(hex.match(token->value()).hasMatch(), qPrintable(token->value()));

    QFile file(token->filePath());
    QVERIFY(file.exists());
    const QFileDevice::Permissions permissions = file.permissions();
    QVERIFY(permissions.testFlag(QFileDevice::ReadOwner));
    QVERIFY(permissions.testFlag(QFileDevice::WriteOwner));
    QVERIFY(!permissions.testFlag(QFileDevice::ExeOwner));
    QVERIFY2(!(permissions & kGroupOrOther), qPrintable(QString::number(int(permissions), 16)));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromLatin1(file.readAll()).trimmed(), token->value());

    // The log line names the file, never the secret.
    QVERIFY(token->describe().contains(token->filePath()));
    QVERIFY(!token->describe().contains(token->value()));
}

void TestAdminToken::secondStartReadsTheSameToken() {
    const QString directory = dir("second");
    const auto first = AdminToken::load({}, directory);
    QVERIFY(first);
    const auto second = AdminToken::load({}, directory);
    QVERIFY(second);
    QVERIFY(!second->wasGenerated());
    QCOMPARE(second->value(), first->value());
    QVERIFY(second->describe().contains("read from"));
}

void TestAdminToken::laxPermissionsAreTightened() {
    const QString directory = dir("lax");
    QVERIFY(QDir().mkpath(directory));
    const QString path = QDir(directory).filePath("admin-token");
    QVERIFY(writeFile(path, "operator-chosen\n",
                      QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup |
                          QFileDevice::ReadOther));
    QVERIFY(QFile(path).permissions() & kGroupOrOther);

    const auto token = AdminToken::load({}, directory);
    QVERIFY(token);
    QCOMPARE(token->value(), QString("operator-chosen"));
    QVERIFY(!token->wasGenerated());
    QVERIFY(!(QFile(path).permissions() & kGroupOrOther));
}

void TestAdminToken::emptyFileIsReplaced() {
    const QString directory = dir("empty");
    QVERIFY(QDir().mkpath(directory));
    const QString path = QDir(directory).filePath("admin-token");
    QVERIFY(writeFile(path, " \n", QFileDevice::ReadOwner | QFileDevice::WriteOwner));

    const auto token = AdminToken::load({}, directory);
    QVERIFY(token);
    QVERIFY(token->wasGenerated());
    QCOMPARE(token->value().size(), 2 * AdminToken::kRandomBytes);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromLatin1(file.readAll()).trimmed(), token->value());
}

void TestAdminToken::generatedTokensDiffer() {
    const auto a = AdminToken::load({}, dir("a"));
    const auto b = AdminToken::load({}, dir("b"));
    QVERIFY(a && b);
    QVERIFY(a->value() != b->value());
}

void TestAdminToken::unusableDirectoryFails() {
    // A directory below a regular file cannot exist.
    const QString file = dir("plain-file");
    QVERIFY(writeFile(file, "x", QFileDevice::ReadOwner | QFileDevice::WriteOwner));
    QString error;
    const auto token = AdminToken::load({}, file + "/sub", &error);
    QVERIFY(!token);
    QVERIFY(!error.isEmpty());

    QVERIFY(!AdminToken::load({}, {}, &error));
    QVERIFY(!error.isEmpty());
}

void TestAdminToken::defaultDirectoryIsAppConfig() {
    QStandardPaths::setTestModeEnabled(true);
    const QString directory = AdminToken::defaultDirectory();
    QStandardPaths::setTestModeEnabled(false);
    QVERIFY(!directory.isEmpty());
    QVERIFY2(directory.contains(".qttest"), qPrintable(directory));
}

void TestAdminToken::matches_data() {
    QTest::addColumn<QByteArray>("presented");
    QTest::addColumn<bool>("expected");

    QTest::newRow("exact") << QByteArray("abc123") << true;
    QTest::newRow("other") << QByteArray("abc124") << false;
    QTest::newRow("prefix") << QByteArray("abc12") << false;
    QTest::newRow("longer") << QByteArray("abc1234") << false;
    QTest::newRow("repeated") << QByteArray("abc123abc123") << false;
    QTest::newRow("case") << QByteArray("ABC123") << false;
    QTest::newRow("empty") << QByteArray() << false;
}

void TestAdminToken::matches() {
    QFETCH(QByteArray, presented);
    QFETCH(bool, expected);
    const auto token = AdminToken::load("abc123", {});
    QVERIFY(token);
    QCOMPARE(token->matches(presented), expected);
}

QTEST_GUILESS_MAIN(TestAdminToken)
#include "tst_admin_token.moc"

#include <app/command_line.h>

#include <QFile>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTextStream>

using namespace ToolCapture;
using Action = CommandLineResult::Action;

Q_DECLARE_METATYPE(ToolCapture::CommandLineResult::Action)

namespace {

CommandLineResult parse(const QStringList &arguments) {
    return parseCommandLine(QStringList{QStringLiteral("toolcapture")} + arguments);
}

// NOTE: plain literals: moc 6.4 mis-parses multi-line raw strings and skips the file.
const QByteArray kGoodConfig =
    "{"
    "\"listen\": \"127.0.0.1:18090\","
    "\"admin\": \"127.0.0.1:18091\","
    "\"workers\": 2,"
    "\"services\": {\"inventory\": {"
    "\"match\": {\"path_prefix\": \"/inventory/\"},"
    "\"instances\": [{\"id\": \"inventory-1\", \"url\": \"http://127.0.0.1:9101\"}]"
    "}}}";

QString writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &content) {
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
        return {};
    return path;
}

} // namespace

class TestCommandLine : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void parsesValidArguments_data();
    void parsesValidArguments();
    void rejectsInvalidArguments_data();
    void rejectsInvalidArguments();
    void listenAddresses_data();
    void listenAddresses();
    void helpAndVersion();
    void demoUsesProfileDefaultsAndFlags();
    void demoFallsBackToAFreePort();
    void configFileWithOverrides();
    void configFileErrors();
    void checkConfig();
    void headless_data();
    void headless();
    void language_data();
    void language();
    void connect_data();
    void connect();
    void connectRejects_data();
    void connectRejects();
};

void TestCommandLine::initTestCase() {
    QCoreApplication::setApplicationName(QStringLiteral("toolcapture"));
    QCoreApplication::setApplicationVersion(QStringLiteral("9.8.7"));
}

void TestCommandLine::parsesValidArguments_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<Action>("action");
    QTest::addColumn<bool>("noGui");
    QTest::addColumn<bool>("demo");
    QTest::addColumn<QString>("config");
    QTest::addColumn<QString>("listen"); // empty: not given
    QTest::addColumn<int>("workers");    // -1: not given

    QTest::newRow("demo") << QStringList{QStringLiteral("--demo")} << Action::Run << false << true
                          << QString() << QString() << -1;
    QTest::newRow("config headless")
        << QStringList{QStringLiteral("--no-gui"), QStringLiteral("--config"),
                       QStringLiteral("/etc/tc.json")}
        << Action::Run << true << false << QStringLiteral("/etc/tc.json") << QString() << -1;
    QTest::newRow("everything")
        << QStringList{QStringLiteral("--demo"),     QStringLiteral("--listen=127.0.0.1:9000"),
                       QStringLiteral("--admin"),    QStringLiteral("127.0.0.1:9001"),
                       QStringLiteral("--workers"),  QStringLiteral("3"),
                       QStringLiteral("--profile"),  QStringLiteral("production"),
                       QStringLiteral("--log-json"), QStringLiteral("--verbose"),
                       QStringLiteral("--brokers"),  QStringLiteral("k1:9092,k2:9092")}
        << Action::Run << false << true << QString() << QStringLiteral("127.0.0.1:9000") << 3;
    QTest::newRow("workers zero is one per core")
        << QStringList{QStringLiteral("--demo"), QStringLiteral("--workers"), QStringLiteral("0")}
        << Action::Run << false << true << QString() << QString() << 0;
    QTest::newRow("check-config needs nothing else")
        << QStringList{QStringLiteral("--check-config"), QStringLiteral("x.json")}
        << Action::CheckConfig << false << false << QString() << QString() << -1;
}

void TestCommandLine::parsesValidArguments() {
    QFETCH(QStringList, arguments);
    QFETCH(Action, action);
    QFETCH(bool, noGui);
    QFETCH(bool, demo);
    QFETCH(QString, config);
    QFETCH(QString, listen);
    QFETCH(int, workers);

    const CommandLineResult result = parse(arguments);
    QVERIFY2(result.action == action, qPrintable(result.message));
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.options.noGui, noGui);
    QCOMPARE(result.options.demo, demo);
    QCOMPARE(result.options.configFile, config);
    QCOMPARE(result.options.listen ? result.options.listen->toString() : QString(), listen);
    QCOMPARE(result.options.workers.value_or(-1), workers);
    if (arguments.contains(QStringLiteral("--brokers"))) {
        QCOMPARE(result.options.brokers, QStringLiteral("k1:9092,k2:9092"));
        QCOMPARE(result.options.profile, QStringLiteral("production"));
        QVERIFY(result.options.logJson);
        QVERIFY(result.options.verbose);
        QCOMPARE(result.options.admin->port, quint16(9001));
    }
    if (action == Action::CheckConfig)
        QCOMPARE(result.options.checkConfigFile, QStringLiteral("x.json"));
}

void TestCommandLine::rejectsInvalidArguments_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("messagePart");

    QTest::newRow("nothing to run") << QStringList{} << QStringLiteral("--config FILE");
    QTest::newRow("headless but nothing to run")
        << QStringList{QStringLiteral("--no-gui")} << QStringLiteral("--demo");
    QTest::newRow("port not a number")
        << QStringList{QStringLiteral("--demo"), QStringLiteral("--listen"),
                       QStringLiteral("127.0.0.1:abc")}
        << QStringLiteral("Invalid --listen address \"127.0.0.1:abc\"");
    QTest::newRow("port too large")
        << QStringList{QStringLiteral("--demo"), QStringLiteral("--admin"),
                       QStringLiteral("127.0.0.1:65536")}
        << QStringLiteral("Invalid --admin address");
    QTest::newRow("no port") << QStringList{QStringLiteral("--demo"), QStringLiteral("--listen"),
                                            QStringLiteral("127.0.0.1")}
                             << QStringLiteral("Invalid --listen");
    QTest::newRow("bad host") << QStringList{QStringLiteral("--demo"), QStringLiteral("--listen"),
                                             QStringLiteral("not a host:80")}
                              << QStringLiteral("Invalid --listen");
    QTest::newRow("negative workers")
        << QStringList{QStringLiteral("--demo"), QStringLiteral("--workers"), QStringLiteral("-1")}
        << QStringLiteral("Invalid --workers \"-1\"");
    QTest::newRow("workers not a number")
        << QStringList{QStringLiteral("--demo"), QStringLiteral("--workers"), QStringLiteral("two")}
        << QStringLiteral("Invalid --workers");
    QTest::newRow("unknown profile")
        << QStringList{QStringLiteral("--demo"), QStringLiteral("--profile"),
                       QStringLiteral("staging")}
        << QStringLiteral("Invalid --profile \"staging\"");
    QTest::newRow("empty brokers")
        << QStringList{QStringLiteral("--demo"), QStringLiteral("--brokers"), QStringLiteral(" ")}
        << QStringLiteral("--brokers");
    QTest::newRow("store URL without a user")
        << QStringList{QStringLiteral("--demo"), QStringLiteral("--store"),
                       QStringLiteral("postgresql://127.0.0.1:5432/intel")}
        << QStringLiteral("Invalid --store: not a postgresql URL: no user; expected "
                          "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE");
    // A mistake in a URL with a password: the message says what, never the password.
    QTest::newRow("store URL without a database")
        << QStringList{QStringLiteral("--demo"), QStringLiteral("--store"),
                       QStringLiteral("postgresql://tc:secretpw@127.0.0.1:5432")}
        << QStringLiteral("Invalid --store: not a postgresql URL: no database");
    QTest::newRow("store URL with a bad port")
        << QStringList{QStringLiteral("--demo"), QStringLiteral("--store"),
                       QStringLiteral("postgresql://tc:secretpw@127.0.0.1:99999/db")}
        << QStringLiteral("Invalid --store: not a postgresql URL: the port must be a number "
                          "between 1 and 65535, got \"99999\"");
    QTest::newRow("store URL with a fragment")
        << QStringList{QStringLiteral("--demo"), QStringLiteral("--store"),
                       QStringLiteral("postgresql://tc:secretpw@127.0.0.1/db#x")}
        << QStringLiteral("Invalid --store: not a postgresql URL: a fragment");
    QTest::newRow("store URL with options")
        << QStringList{QStringLiteral("--demo"), QStringLiteral("--store"),
                       QStringLiteral("postgresql://tc:secretpw@127.0.0.1/db?sslmode=require")}
        << QStringLiteral("Invalid --store: not a postgresql URL: options");
    QTest::newRow("store empty") << QStringList{QStringLiteral("--demo"), QStringLiteral("--store"),
                                                QString()}
                                 << QStringLiteral("Invalid --store: empty");
    QTest::newRow("store postgresql without its URL")
        << QStringList{QStringLiteral("--demo"), QStringLiteral("--store"),
                       QStringLiteral("postgresql")}
        << QStringLiteral("needs the database's address");
    QTest::newRow("store unknown scheme")
        << QStringList{QStringLiteral("--demo"), QStringLiteral("--store"),
                       QStringLiteral("mysql://tc@h/db")}
        << QStringLiteral("unknown scheme");
    QTest::newRow("store relative name")
        << QStringList{QStringLiteral("--demo"), QStringLiteral("--store"), QStringLiteral("intel")}
        << QStringLiteral("unknown store \"intel\"");
    QTest::newRow("store with connect")
        << QStringList{QStringLiteral("--connect"), QStringLiteral("http://127.0.0.1:8091"),
                       QStringLiteral("--store"), QStringLiteral("sqlite")}
        << QStringLiteral("--store (for a local engine) cannot be combined");
    QTest::newRow("unknown option")
        << QStringList{QStringLiteral("--demo"), QStringLiteral("--frobnicate")}
        << QStringLiteral("frobnicate");
    QTest::newRow("missing value")
        << QStringList{QStringLiteral("--config")} << QStringLiteral("config");
    QTest::newRow("positional") << QStringList{QStringLiteral("--demo"), QStringLiteral("extra")}
                                << QStringLiteral("Unexpected argument: extra");
    QTest::newRow("lang not a locale")
        << QStringList{QStringLiteral("--demo"), QStringLiteral("--lang"), QStringLiteral("xx")}
        << QStringLiteral("Invalid --lang \"xx\"");
    QTest::newRow("lang malformed")
        << QStringList{QStringLiteral("--demo"), QStringLiteral("--lang"), QStringLiteral("german")}
        << QStringLiteral("Invalid --lang");
    QTest::newRow("lang missing value")
        << QStringList{QStringLiteral("--demo"), QStringLiteral("--lang")}
        << QStringLiteral("lang");
}

void TestCommandLine::rejectsInvalidArguments() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, messagePart);

    const CommandLineResult result = parse(arguments);
    QVERIFY(result.action == Action::Fail);
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.message.contains(messagePart), qPrintable(result.message));
    QVERIFY2(!result.message.contains(QLatin1String("secretpw")), qPrintable(result.message));
}

void TestCommandLine::listenAddresses_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("normalized");

    QTest::newRow("ipv4") << QStringLiteral("127.0.0.1:8090") << true
                          << QStringLiteral("127.0.0.1:8090");
    QTest::newRow("any port") << QStringLiteral("127.0.0.1:0") << true
                              << QStringLiteral("127.0.0.1:0");
    QTest::newRow("localhost") << QStringLiteral("localhost:80") << true
                               << QStringLiteral("127.0.0.1:80");
    QTest::newRow("all interfaces")
        << QStringLiteral("0.0.0.0:8090") << true << QStringLiteral("0.0.0.0:8090");
    QTest::newRow("ipv6") << QStringLiteral("[::1]:8090") << true << QStringLiteral("[::1]:8090");
    QTest::newRow("ipv6 without brackets") << QStringLiteral("::1:8090") << false << QString();
    QTest::newRow("sign") << QStringLiteral("127.0.0.1:+80") << false << QString();
    QTest::newRow("empty port") << QStringLiteral("127.0.0.1:") << false << QString();
    QTest::newRow("empty host") << QStringLiteral(":8090") << false << QString();
    QTest::newRow("huge port") << QStringLiteral("127.0.0.1:999999") << false << QString();
}

void TestCommandLine::listenAddresses() {
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QFETCH(QString, normalized);

    const std::optional<ListenAddress> address = parseListenAddress(text);
    QCOMPARE(address.has_value(), valid);
    if (valid)
        QCOMPARE(address->toString(), normalized);
}

void TestCommandLine::helpAndVersion() {
    const CommandLineResult help = parse({QStringLiteral("--help")});
    QVERIFY(help.action == Action::ShowHelp);
    QCOMPARE(help.exitCode, 0);
    // The program's name, never the parser's "<executable_name>" placeholder.
    QVERIFY2(QRegularExpression(QStringLiteral("^Usage: [^ <>]+ \\[options\\]\n"))
                 .match(help.message)
                 .hasMatch(),
             qPrintable(help.message));
    QVERIFY(parse({QStringLiteral("--help-all")}).action == Action::ShowHelp);
    for (const char *option : {"--no-gui", "--demo", "--config", "--check-config", "--listen",
                               "--admin", "--workers", "--profile", "--log-json", "--brokers"})
        QVERIFY2(help.message.contains(QLatin1String(option)), option);

    const CommandLineResult version = parse({QStringLiteral("--version")});
    QVERIFY(version.action == Action::ShowVersion);
    QVERIFY(version.message.contains(QStringLiteral("9.8.7")));
}

void TestCommandLine::demoUsesProfileDefaultsAndFlags() {
    QTcpServer free;
    QVERIFY(free.listen(QHostAddress::LocalHost, 0));
    const QString admin = QStringLiteral("127.0.0.1:%1").arg(free.serverPort());
    free.close();

    const CommandLineResult parsed =
        parse({QStringLiteral("--demo"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
               QStringLiteral("--admin"), admin, QStringLiteral("--workers"), QStringLiteral("3"),
               QStringLiteral("--brokers"), QStringLiteral("k1:9092"), QStringLiteral("--profile"),
               QStringLiteral("production"), QStringLiteral("--store"),
               QStringLiteral("postgresql://tc@127.0.0.1:5433/intel")});
    QVERIFY2(parsed.action == Action::Run, qPrintable(parsed.message));
    const RuntimeConfig runtime = resolveRuntimeConfig(parsed.options);
    QVERIFY2(runtime.config, qPrintable(runtime.errors.join(u'\n')));
    QCOMPARE(runtime.config->profile, QStringLiteral("production"));
    QCOMPARE(runtime.config->listen.toString(), QStringLiteral("127.0.0.1:0"));
    QCOMPARE(runtime.config->admin.toString(), admin);
    QCOMPARE(runtime.config->workers, 3);
    QCOMPARE(runtime.config->kafka.brokers, QStringLiteral("k1:9092"));
    QCOMPARE(runtime.config->store, QStringLiteral("postgresql://tc@127.0.0.1:5433/intel"));
    QVERIFY(runtime.config->logging.json);     // the production profile logs JSON
    QVERIFY(runtime.config->services.empty()); // the engine adds the demo services
    QVERIFY(runtime.notes.isEmpty());

    const RuntimeConfig development = resolveRuntimeConfig(
        parse({QStringLiteral("--demo"), QStringLiteral("--log-json")}).options);
    QVERIFY(development.config);
    QCOMPARE(development.config->profile, QStringLiteral("development"));
    QVERIFY(development.config->logging.json);
    QCOMPARE(development.config->listen.host, QHostAddress(QHostAddress::LocalHost));
}

void TestCommandLine::demoFallsBackToAFreePort() {
    // NOTE: the one place a fixed port is needed: the fallback concerns the default 8090.
    // Whether this test or another program holds it, it is in use afterwards.
    QTcpServer holder;
    holder.listen(QHostAddress::LocalHost, 8090);

    const RuntimeConfig runtime = resolveRuntimeConfig(parse({QStringLiteral("--demo")}).options);
    QVERIFY(runtime.config);
    QCOMPARE(runtime.config->listen.port, quint16(0));
    QVERIFY(!runtime.notes.isEmpty());
    QVERIFY2(runtime.notes.constFirst().contains(QStringLiteral("127.0.0.1:8090 is in use")),
             qPrintable(runtime.notes.join(u'\n')));

    // An address given on the command line is never replaced.
    const RuntimeConfig explicitAddress =
        resolveRuntimeConfig(parse({QStringLiteral("--demo"), QStringLiteral("--listen"),
                                    QStringLiteral("127.0.0.1:8090")})
                                 .options);
    QVERIFY(explicitAddress.config);
    QCOMPARE(explicitAddress.config->listen.port, quint16(8090));
}

void TestCommandLine::configFileWithOverrides() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = writeFile(dir, QStringLiteral("good.json"), kGoodConfig);
    QVERIFY(!path.isEmpty());

    const RuntimeConfig plain =
        resolveRuntimeConfig(parse({QStringLiteral("--config"), path}).options);
    QVERIFY2(plain.config, qPrintable(plain.errors.join(u'\n')));
    QCOMPARE(plain.config->listen.port, quint16(18090));
    QCOMPARE(plain.config->workers, 2);
    QCOMPARE(plain.config->services.size(), size_t(1));

    const RuntimeConfig overridden = resolveRuntimeConfig(
        parse({QStringLiteral("--config"), path, QStringLiteral("--listen"),
               QStringLiteral("127.0.0.1:0"), QStringLiteral("--workers"), QStringLiteral("1"),
               QStringLiteral("--brokers"), QStringLiteral("kafka:9092")})
            .options);
    QVERIFY(overridden.config);
    QCOMPARE(overridden.config->listen.port, quint16(0));
    QCOMPARE(overridden.config->admin.port, quint16(18091));
    QCOMPARE(overridden.config->workers, 1);
    QCOMPARE(overridden.config->kafka.brokers, QStringLiteral("kafka:9092"));

    const RuntimeConfig conflicting =
        resolveRuntimeConfig(parse({QStringLiteral("--config"), path, QStringLiteral("--profile"),
                                    QStringLiteral("production")})
                                 .options);
    QVERIFY(!conflicting.config);
    QCOMPARE(conflicting.exitCode, 2);
    QVERIFY(conflicting.errors.constFirst().contains(QStringLiteral("--profile production")));
}

void TestCommandLine::configFileErrors() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const RuntimeConfig missing = resolveRuntimeConfig(
        parse({QStringLiteral("--config"), dir.filePath(QStringLiteral("absent.json"))}).options);
    QVERIFY(!missing.config);
    QCOMPARE(missing.exitCode, 1);
    QVERIFY(missing.errors.constFirst().contains(QStringLiteral("absent.json")));
}

void TestCommandLine::checkConfig() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString good = writeFile(dir, QStringLiteral("good.json"), kGoodConfig);
    QByteArray badContent = kGoodConfig;
    badContent.replace("http://127.0.0.1:9101", "ftp://nowhere")
        .replace("\"workers\"", "\"wrkrs\"");
    const QString bad = writeFile(dir, QStringLiteral("bad.json"), badContent);

    QString out;
    QString err;
    QTextStream outStream(&out);
    QTextStream errStream(&err);
    QCOMPARE(checkConfigFile(good, outStream, errStream), 0);
    QCOMPARE(out, good + QStringLiteral(": ok\n"));
    QVERIFY(err.isEmpty());

    out.clear();
    QCOMPARE(checkConfigFile(bad, outStream, errStream), 1);
    QVERIFY(out.isEmpty());
    const QStringList lines = err.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 2); // every error, not just the first
    QVERIFY2(err.contains(QStringLiteral("services.inventory.instances[0].url: ")),
             qPrintable(err));
    QVERIFY2(err.contains(QStringLiteral("wrkrs")), qPrintable(err));
}

void TestCommandLine::headless_data() {
    QTest::addColumn<bool>("noGui");
    QTest::addColumn<bool>("guiBuilt");
    QTest::addColumn<QStringList>("environment");
    QTest::addColumn<QString>("reasonPart"); // empty: the console can start

    QTest::newRow("display") << false << true << QStringList{QStringLiteral("DISPLAY=:0")}
                             << QString();
    QTest::newRow("wayland") << false << true
                             << QStringList{QStringLiteral("WAYLAND_DISPLAY=wayland-0")}
                             << QString();
    QTest::newRow("platform") << false << true
                              << QStringList{QStringLiteral("QT_QPA_PLATFORM=offscreen")}
                              << QString();
    QTest::newRow("no display") << false << true << QStringList{QStringLiteral("HOME=/root")}
                                << QStringLiteral("no display");
    QTest::newRow("empty display")
        << false << true << QStringList{QStringLiteral("DISPLAY=")} << QStringLiteral("no display");
    QTest::newRow("asked") << true << true << QStringList{QStringLiteral("DISPLAY=:0")}
                           << QStringLiteral("--no-gui");
    QTest::newRow("not built") << false << false << QStringList{QStringLiteral("DISPLAY=:0")}
                               << QStringLiteral("no console");
}

void TestCommandLine::headless() {
    QFETCH(bool, noGui);
    QFETCH(bool, guiBuilt);
    QFETCH(QStringList, environment);
    QFETCH(QString, reasonPart);

    CommandLineOptions options;
    options.noGui = noGui;
    QProcessEnvironment env(QProcessEnvironment::InheritFromParent);
    env.clear();
    for (const QString &entry : environment)
        env.insert(entry.section(u'=', 0, 0), entry.section(u'=', 1));
    const QString reason = headlessReason(options, guiBuilt, env);
    if (reasonPart.isEmpty())
        QVERIFY2(reason.isEmpty(), qPrintable(reason));
    else
        QVERIFY2(reason.contains(reasonPart), qPrintable(reason));
}

void TestCommandLine::connect_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("tokenFile");

    QTest::newRow("host and port")
        << QStringList{QStringLiteral("--connect"), QStringLiteral("http://127.0.0.1:8091")}
        << QStringLiteral("http://127.0.0.1:8091") << QString();
    QTest::newRow("trailing slash, name, token file")
        << QStringList{QStringLiteral("--connect=http://proxy.example:9000/"),
                       QStringLiteral("--token-file"), QStringLiteral("/run/tc/token")}
        << QStringLiteral("http://proxy.example:9000") << QStringLiteral("/run/tc/token");
    QTest::newRow("IPv6") << QStringList{QStringLiteral("--connect"),
                                         QStringLiteral("http://[::1]:8091")}
                          << QStringLiteral("http://[::1]:8091") << QString();
    QTest::newRow("with log-json")
        << QStringList{QStringLiteral("--log-json"), QStringLiteral("--connect"),
                       QStringLiteral("http://10.0.0.5:8091")}
        << QStringLiteral("http://10.0.0.5:8091") << QString();
}

void TestCommandLine::connect() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, url);
    QFETCH(QString, tokenFile);
    const CommandLineResult result = parse(arguments);
    QVERIFY2(result.action == Action::Connect, qPrintable(result.message));
    QVERIFY(result.options.connect.has_value());
    QCOMPARE(result.options.connect->toString(), url);
    QCOMPARE(result.options.tokenFile, tokenFile);
}

void TestCommandLine::connectRejects_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("messagePart");

    const auto connect = [](const char *url) {
        return QStringList{QStringLiteral("--connect"), QString::fromLatin1(url)};
    };
    QTest::newRow("https") << connect("https://127.0.0.1:8091") << QStringLiteral("plain http");
    QTest::newRow("no scheme") << connect("127.0.0.1:8091") << QStringLiteral("http://host:port");
    QTest::newRow("no port") << connect("http://127.0.0.1") << QStringLiteral("no port");
    QTest::newRow("port zero") << connect("http://127.0.0.1:0") << QStringLiteral("no port");
    QTest::newRow("bad port") << connect("http://127.0.0.1:99999")
                              << QStringLiteral("Invalid --connect");
    QTest::newRow("path") << connect("http://127.0.0.1:8091/api/v1") << QStringLiteral("no path");
    QTest::newRow("query") << connect("http://127.0.0.1:8091/?x=1") << QStringLiteral("no path");
    QTest::newRow("user info") << connect("http://admin:secret@127.0.0.1:8091")
                               << QStringLiteral("--token-file");
    QTest::newRow("empty") << connect("") << QStringLiteral("Invalid --connect");
    QTest::newRow("with demo") << connect("http://127.0.0.1:8091") + QStringList{"--demo"}
                               << QStringLiteral("--demo (for a local engine)");
    QTest::newRow("with no-gui") << connect("http://127.0.0.1:8091") + QStringList{"--no-gui"}
                                 << QStringLiteral("--no-gui");
    QTest::newRow("with admin") << connect("http://127.0.0.1:8091") +
                                       QStringList{"--admin", "127.0.0.1:1"}
                                << QStringLiteral("--admin");
    QTest::newRow("token file alone")
        << QStringList{QStringLiteral("--demo"), QStringLiteral("--token-file"),
                       QStringLiteral("/tmp/t")}
        << QStringLiteral("--token-file is for --connect");
    QTest::newRow("empty token file")
        << connect("http://127.0.0.1:8091") + QStringList{"--token-file", " "}
        << QStringLiteral("Invalid --token-file");
    QTest::newRow("missing url") << QStringList{QStringLiteral("--connect")}
                                 << QStringLiteral("connect");
}

void TestCommandLine::connectRejects() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, messagePart);
    const CommandLineResult result = parse(arguments);
    QVERIFY(result.action == Action::Fail);
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.message.contains(messagePart), qPrintable(result.message));
    QVERIFY2(!result.message.contains(QLatin1String("secretpw")), qPrintable(result.message));
}

void TestCommandLine::language_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("language"); // as stored in the options
    QTest::addColumn<QLocale::Language>("expected");
    QTest::addColumn<QString>("decimal"); // 1234.5 formatted with the console's locale

    QTest::newRow("german") << QStringList{QStringLiteral("--demo"), QStringLiteral("--lang"),
                                           QStringLiteral("de")}
                            << QStringLiteral("de") << QLocale::German << QStringLiteral("1.234,5");
    QTest::newRow("german with territory")
        << QStringList{QStringLiteral("--demo"), QStringLiteral("--lang=de_CH")}
        << QStringLiteral("de_CH") << QLocale::German << QString();
    QTest::newRow("english") << QStringList{QStringLiteral("--demo"), QStringLiteral("--lang"),
                                            QStringLiteral("en_US")}
                             << QStringLiteral("en_US") << QLocale::English
                             << QStringLiteral("1,234.5");
}

// --lang overrides the system's locale, both for the translation and for number formats.
void TestCommandLine::language() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, language);
    QFETCH(QLocale::Language, expected);
    QFETCH(QString, decimal);

    const CommandLineResult result = parse(arguments);
    QVERIFY2(result.action == Action::Run, qPrintable(result.message));
    QCOMPARE(result.options.language, language);
    const QLocale locale = consoleLocale(result.options);
    QCOMPARE(locale.language(), expected);
    if (!decimal.isEmpty())
        QCOMPARE(locale.toString(1234.5, 'f', 1), decimal);

    CommandLineOptions none;
    QCOMPARE(consoleLocale(none), QLocale::system());
}

QTEST_GUILESS_MAIN(TestCommandLine)
#include "tst_command_line.moc"

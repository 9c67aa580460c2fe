#include <app/command_line.h>
#include <backend/store/store_location.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTextStream>

#include <tuple>
#include <utility>

namespace ToolCapture {

namespace {

const QStringList kProfiles{QStringLiteral("development"), QStringLiteral("production")};

CommandLineResult failure(const QString &message) {
    CommandLineResult result;
    result.action = CommandLineResult::Action::Fail;
    result.message = message;
    result.exitCode = kExitUsage;
    return result;
}

bool allDigits(const QString &text) {
    if (text.isEmpty())
        return false;
    for (QChar c : text) {
        if (c < u'0' || c > u'9')
            return false;
    }
    return true;
}

// Whether something already listens on address (a TCP listen probe, closed at once).
bool portInUse(const ListenAddress &address) {
    if (address.port == 0)
        return false;
    QTcpServer probe;
    return !probe.listen(address.host, address.port);
}

} // namespace

std::optional<ListenAddress> parseListenAddress(const QString &text) {
    const qsizetype colon = text.lastIndexOf(u':');
    if (colon <= 0)
        return std::nullopt;
    QString host = text.left(colon);
    const QString port = text.mid(colon + 1);
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    else if (host.contains(u':'))
        return std::nullopt; // an IPv6 address needs brackets: "[::1]:8090"

    ListenAddress address;
    if (host == QLatin1String("localhost")) {
        address.host = QHostAddress(QHostAddress::LocalHost);
    } else {
        address.host = QHostAddress(host);
        if (address.host.isNull())
            return std::nullopt;
    }
    if (!allDigits(port) || port.size() > 5)
        return std::nullopt;
    const uint value = port.toUInt();
    if (value > 65535)
        return std::nullopt;
    address.port = quint16(value);
    return address;
}

CommandLineResult parseCommandLine(const QStringList &arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("ToolCapture: HTTP/1.1 reverse proxy with an operator console."));
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    const QCommandLineOption noGui(QStringLiteral("no-gui"),
                                   QStringLiteral("Run headless, without the console."));
    const QCommandLineOption demo(
        QStringLiteral("demo"),
        QStringLiteral("Start demo upstream services and generated traffic."));
    const QCommandLineOption config(QStringLiteral("config"),
                                    QStringLiteral("Load the configuration from <file>."),
                                    QStringLiteral("file"));
    const QCommandLineOption checkConfig(
        QStringLiteral("check-config"),
        QStringLiteral("Validate the configuration <file>, print its errors and exit."),
        QStringLiteral("file"));
    const QCommandLineOption listen(QStringLiteral("listen"),
                                    QStringLiteral("Proxy listen address <host:port>."),
                                    QStringLiteral("host:port"));
    const QCommandLineOption admin(QStringLiteral("admin"),
                                   QStringLiteral("Admin API listen address <host:port>."),
                                   QStringLiteral("host:port"));
    const QCommandLineOption workers(QStringLiteral("workers"),
                                     QStringLiteral("Proxy worker threads (0: one per core)."),
                                     QStringLiteral("n"));
    const QCommandLineOption profile(QStringLiteral("profile"),
                                     QStringLiteral("Defaults profile: development or production."),
                                     QStringLiteral("name"));
    const QCommandLineOption logJson(QStringLiteral("log-json"),
                                     QStringLiteral("Log one JSON object per line."));
    const QCommandLineOption verbose(
        QStringLiteral("verbose"),
        QStringLiteral("Log debug messages too (librdkafka's among them)."));
    const QCommandLineOption brokers(QStringLiteral("brokers"),
                                     QStringLiteral("Kafka bootstrap brokers, or \"embedded\"."),
                                     QStringLiteral("list"));
    const QCommandLineOption store(
        QStringLiteral("store"),
        QStringLiteral("The intelligence store: sqlite (default: in the user's data directory), "
                       "sqlite:<path>, or postgresql://USER@HOST:PORT/DB."),
        QStringLiteral("url"));
    const QCommandLineOption lang(
        QStringLiteral("lang"),
        QStringLiteral("Console language and number format <locale>, e.g. de (default: the "
                       "system's)."),
        QStringLiteral("locale"));
    const QCommandLineOption connect(
        QStringLiteral("connect"),
        QStringLiteral("Run the console against the admin API of a headless ToolCapture at "
                       "<url> (http://host:port) instead of starting an engine."),
        QStringLiteral("url"));
    const QCommandLineOption tokenFile(
        QStringLiteral("token-file"),
        QStringLiteral("With --connect: read the admin token from <file> (default: the token "
                       "file a headless ToolCapture of this user generates)."),
        QStringLiteral("file"));
    parser.addOptions({noGui, demo, config, checkConfig, listen, admin, workers, profile, logJson,
                       verbose, brokers, store, connect, tokenFile, lang});

    if (!parser.parse(arguments))
        return failure(parser.errorText());
    if (parser.isSet(help) || parser.isSet(QStringLiteral("help-all"))) {
        CommandLineResult result;
        result.action = CommandLineResult::Action::ShowHelp;
        // Without an application object the parser cannot know the program's name.
        const QString program = arguments.isEmpty() ? QStringLiteral("toolcapture")
                                                    : QFileInfo(arguments.constFirst()).fileName();
        result.message = parser.helpText().replace(QLatin1String("<executable_name>"), program);
        return result;
    }
    if (parser.isSet(version)) {
        CommandLineResult result;
        result.action = CommandLineResult::Action::ShowVersion;
        result.message = QCoreApplication::applicationName() + u' ' +
                         QCoreApplication::applicationVersion() + u'\n';
        return result;
    }
    if (!parser.positionalArguments().isEmpty()) {
        return failure(QStringLiteral("Unexpected argument: %1")
                           .arg(parser.positionalArguments().constFirst()));
    }

    CommandLineOptions options;
    options.noGui = parser.isSet(noGui);
    options.demo = parser.isSet(demo);
    options.logJson = parser.isSet(logJson);
    options.verbose = parser.isSet(verbose);
    options.configFile = parser.value(config);
    options.checkConfigFile = parser.value(checkConfig);
    options.brokers = parser.value(brokers);

    for (const auto &[option, target] :
         {std::pair{&listen, &options.listen}, std::pair{&admin, &options.admin}}) {
        if (!parser.isSet(*option))
            continue;
        const QString value = parser.value(*option);
        *target = parseListenAddress(value);
        if (!*target) {
            return failure(QStringLiteral("Invalid --%1 address \"%2\": expected host:port with a "
                                          "port from 0 to 65535")
                               .arg(option->names().constFirst(), value));
        }
    }
    if (parser.isSet(workers)) {
        const QString value = parser.value(workers);
        const int count = allDigits(value) && value.size() <= 4 ? value.toInt() : -1;
        if (count < 0 || count > 1024) {
            return failure(
                QStringLiteral("Invalid --workers \"%1\": expected a number from 0 to 1024")
                    .arg(value));
        }
        options.workers = count;
    }
    if (parser.isSet(profile)) {
        options.profile = parser.value(profile);
        if (!kProfiles.contains(options.profile)) {
            return failure(QStringLiteral("Invalid --profile \"%1\": expected %2")
                               .arg(options.profile, kProfiles.join(QLatin1String(" or "))));
        }
    }
    if (parser.isSet(brokers) && options.brokers.trimmed().isEmpty())
        return failure(QStringLiteral("Invalid --brokers: the list is empty"));
    if (parser.isSet(store)) {
        QString why;
        if (!StoreLocation::fromSetting(parser.value(store), &why))
            return failure(QStringLiteral("Invalid --store: %1").arg(why));
        options.store = parser.value(store).trimmed();
    }
    if (parser.isSet(lang)) {
        // QLocale falls back to "C" for anything it does not know: refuse that instead.
        static const QRegularExpression kLocaleName(
            QStringLiteral("^[a-z]{2,3}(?:[_-][A-Z][a-z]{3})?(?:[_-](?:[A-Z]{2}|[0-9]{3}))?$"));
        const QString value = parser.value(lang);
        if (!kLocaleName.match(value).hasMatch() || QLocale(value).language() == QLocale::C) {
            return failure(QStringLiteral("Invalid --lang \"%1\": expected a locale name such "
                                          "as de or de_DE")
                               .arg(value));
        }
        options.language = value;
    }

    if (parser.isSet(tokenFile)) {
        options.tokenFile = parser.value(tokenFile);
        if (!parser.isSet(connect))
            return failure(QStringLiteral("--token-file is for --connect"));
        if (options.tokenFile.trimmed().isEmpty())
            return failure(QStringLiteral("Invalid --token-file: the file name is empty"));
    }
    if (parser.isSet(connect)) {
        // Remote mode runs only the console: every option about a local engine is a mistake.
        for (const QCommandLineOption *local : {&noGui, &demo, &config, &checkConfig, &listen,
                                                &admin, &workers, &profile, &brokers, &store}) {
            if (parser.isSet(*local)) {
                return failure(
                    QStringLiteral("--connect runs the console against a remote instance: "
                                   "--%1 (for a local engine) cannot be combined with it")
                        .arg(local->names().constFirst()));
            }
        }
        QString why;
        options.connect = parseConnectUrl(parser.value(connect), &why);
        if (!options.connect) {
            return failure(
                QStringLiteral("Invalid --connect \"%1\": %2").arg(parser.value(connect), why));
        }
        CommandLineResult result;
        result.options = options;
        result.action = CommandLineResult::Action::Connect;
        return result;
    }

    CommandLineResult result;
    result.options = options;
    if (parser.isSet(checkConfig)) {
        result.action = CommandLineResult::Action::CheckConfig;
        return result;
    }
    if (options.configFile.isEmpty() && !options.demo) {
        return failure(QStringLiteral("Nothing to run: give --config FILE to proxy configured "
                                      "services, or --demo to start with demo services"));
    }
    result.action = CommandLineResult::Action::Run;
    return result;
}

std::optional<QUrl> parseConnectUrl(const QString &text, QString *error) {
    const auto fail = [error](const QString &why) -> std::optional<QUrl> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    if (!url.isValid() || text.trimmed().isEmpty())
        return fail(QStringLiteral("expected http://host:port"));
    if (url.scheme() != QLatin1String("http"))
        return fail(QStringLiteral("the admin API speaks plain http: expected http://host:port"));
    if (url.host().isEmpty())
        return fail(QStringLiteral("no host: expected http://host:port"));
    if (url.port() < 1)
        return fail(QStringLiteral("no port (the admin listener's, e.g. 8091): expected "
                                   "http://host:port"));
    if (!url.userInfo().isEmpty())
        return fail(QStringLiteral("no user info: the admin token comes from --token-file"));
    if (!(url.path().isEmpty() || url.path() == QLatin1String("/")) || url.hasQuery() ||
        url.hasFragment())
        return fail(QStringLiteral("no path, query or fragment: expected http://host:port"));
    QUrl clean;
    clean.setScheme(QStringLiteral("http"));
    clean.setHost(url.host());
    clean.setPort(url.port());
    return clean;
}

RuntimeConfig resolveRuntimeConfig(const CommandLineOptions &options) {
    RuntimeConfig runtime;
    ProxyConfig config;
    if (!options.configFile.isEmpty()) {
        ConfigLoadResult loaded = loadProxyConfigFile(options.configFile);
        if (!loaded.config) {
            for (const ConfigError &error : loaded.errors)
                runtime.errors.append(error.toString());
            runtime.exitCode = kExitFailure;
            return runtime;
        }
        config = *loaded.config;
        if (!options.profile.isEmpty() && options.profile != config.profile) {
            runtime.errors.append(
                QStringLiteral("--profile %1 contradicts profile \"%2\" in %3: the file decides "
                               "its profile")
                    .arg(options.profile, config.profile, options.configFile));
            runtime.exitCode = kExitUsage;
            return runtime;
        }
    } else {
        const QString profile =
            options.profile.isEmpty() ? QStringLiteral("development") : options.profile;
        config = *profileDefaults(profile);
        // A demo should start even when another program holds a default port.
        for (const auto &[flag, address, name] :
             {std::tuple{&options.listen, &config.listen, QStringLiteral("proxy")},
              std::tuple{&options.admin, &config.admin, QStringLiteral("admin")}}) {
            if (!flag->has_value() && portInUse(*address)) {
                runtime.notes.append(
                    QStringLiteral("%1 is in use; the %2 listens on a free port instead")
                        .arg(address->toString(), name));
                address->port = 0;
            }
        }
    }
    if (options.listen)
        config.listen = *options.listen;
    if (options.admin)
        config.admin = *options.admin;
    if (options.workers)
        config.workers = *options.workers;
    if (!options.brokers.isEmpty())
        config.kafka.brokers = options.brokers.trimmed();
    if (!options.store.isEmpty())
        config.store = options.store;
    if (options.logJson)
        config.logging.json = true;
    if (options.verbose)
        config.logging.debug = true;
    runtime.config = std::move(config);
    return runtime;
}

int checkConfigFile(const QString &path, QTextStream &out, QTextStream &err) {
    const ConfigLoadResult loaded = loadProxyConfigFile(path);
    if (loaded.errors.empty() && loaded.config) {
        out << path << ": ok\n";
        out.flush();
        return kExitOk;
    }
    for (const ConfigError &error : loaded.errors)
        err << error.toString() << '\n';
    err.flush();
    return kExitFailure;
}

QLocale consoleLocale(const CommandLineOptions &options) {
    return options.language.isEmpty() ? QLocale::system() : QLocale(options.language);
}

QString headlessReason(const CommandLineOptions &options, bool guiBuilt,
                       const QProcessEnvironment &environment) {
    if (options.noGui)
        return QStringLiteral("--no-gui was given");
    if (!guiBuilt)
        return QStringLiteral("this build has no console (TOOLCAPTURE_BUILD_GUI=OFF)");
    const bool hasDisplay = !environment.value(QStringLiteral("DISPLAY")).isEmpty() ||
                            !environment.value(QStringLiteral("WAYLAND_DISPLAY")).isEmpty() ||
                            !environment.value(QStringLiteral("QT_QPA_PLATFORM")).isEmpty();
    if (!hasDisplay)
        return QStringLiteral("no display: DISPLAY, WAYLAND_DISPLAY and QT_QPA_PLATFORM are unset");
    return {};
}

} // namespace ToolCapture

#include <app/app_logging.h>
#include <app/command_line.h>
#include <app/headless_runner.h>
#include <backend/core/logging.h>

#include <QCoreApplication>
#include <QTextStream>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#ifdef TOOLCAPTURE_HAS_GUI
#include <app/console_session.h>
#include <app/main_window.h>
#include <app/unix_signal_watcher.h>

#include <QApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QMessageBox>
#include <QTranslator>
#endif

using namespace ToolCapture;

namespace {

constexpr bool kGuiBuilt =
#ifdef TOOLCAPTURE_HAS_GUI
    true;
#else
    false;
#endif

QStringList argumentList(int argc, char **argv) {
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    return arguments;
}

int runHeadless(int &argc, char **argv, const ProxyConfig &config, Engine::Options options,
                const QStringList &notes, const QString &why) {
    QCoreApplication app(argc, argv);
    installLogHandler(config.logging.json, config.logging.debug);
    qCInfo(lcApp).noquote() << "console not started:" << why;
    for (const QString &note : notes)
        qCInfo(lcApp).noquote() << note;

    HeadlessRunner runner(config, options);
    QObject::connect(&runner, &HeadlessRunner::finished, &app, &QCoreApplication::exit);
    QString error;
    if (!runner.start(&error)) {
        qCCritical(lcApp).noquote() << "cannot start:" << error;
        return kExitFailure;
    }
    return app.exec();
}

#ifdef TOOLCAPTURE_HAS_GUI
int runConsole(int &argc, char **argv, const ProxyConfig &config, Engine::Options options,
               const QStringList &notes, const QLocale &locale) {
    QApplication app(argc, argv);
    installLogHandler(config.logging.json, config.logging.debug);
    for (const QString &note : notes)
        qCInfo(lcApp).noquote() << note;

    // Numbers and times in every view follow this locale (QLocale() is the default).
    QLocale::setDefault(locale);
    QTranslator qtTranslator;
    if (qtTranslator.load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                          QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QCoreApplication::installTranslator(&qtTranslator);
    QTranslator translator;
    if (translator.load(locale, QStringLiteral("toolcapture"), QStringLiteral("_"),
                        QStringLiteral(":/i18n")))
        QCoreApplication::installTranslator(&translator);

    MainWindow window;
    ConsoleSession session(&window, options);
    QObject::connect(
        &session, &ConsoleSession::firstStartFailed, &window, [&window](const QString &error) {
            auto *box = new QMessageBox(
                QMessageBox::Critical, window.windowTitle(),
                QCoreApplication::translate("Console", "The proxy could not start:\n%1").arg(error),
                QMessageBox::Close, &window);
            box->setAttribute(Qt::WA_DeleteOnClose);
            QObject::connect(box, &QMessageBox::finished, qApp, [] { QCoreApplication::exit(1); });
            box->open();
        });
    // Ctrl-C or SIGTERM closes the console like File > Quit: the engine then drains and stops.
    UnixSignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &UnixSignalWatcher::signalReceived, &window, [](int signal) {
        qCInfo(lcApp) << "signal" << signal << "received: closing the console";
        QApplication::closeAllWindows();
    });
    signalWatcher.watch(SIGINT);
    signalWatcher.watch(SIGTERM);

    session.startEmbedded(config);
    window.restoreLayout();
    window.show();
    return app.exec();
}

// Remote mode: the console against a headless instance's admin API; no engine in this process.
int runRemoteConsole(int &argc, char **argv, const CommandLineOptions &options) {
    QApplication app(argc, argv);
    installLogHandler(options.logJson, options.verbose);
    const QLocale locale = consoleLocale(options);
    QLocale::setDefault(locale);
    QTranslator qtTranslator;
    if (qtTranslator.load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                          QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QCoreApplication::installTranslator(&qtTranslator);
    QTranslator translator;
    if (translator.load(locale, QStringLiteral("toolcapture"), QStringLiteral("_"),
                        QStringLiteral(":/i18n")))
        QCoreApplication::installTranslator(&translator);

    MainWindow window;
    ConsoleSession session(&window, Engine::Options{});
    QString error;
    if (!session.connectRemote(*options.connect, options.tokenFile, &error)) {
        QTextStream(stderr) << "toolcapture: " << error
                            << " (give the admin token of the remote instance with --token-file)\n";
        return kExitFailure;
    }
    qCInfo(lcApp).noquote() << "console connecting to" << options.connect->toString();
    UnixSignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &UnixSignalWatcher::signalReceived, &window, [](int signal) {
        qCInfo(lcApp) << "signal" << signal << "received: closing the console";
        QApplication::closeAllWindows();
    });
    signalWatcher.watch(SIGINT);
    signalWatcher.watch(SIGTERM);
    window.restoreLayout();
    window.show();
    return app.exec();
}
#endif

// glibc's allocator, set for a process that frees and takes again large blocks at a high rate:
// the capture thread's event batches (EventBatch::kHandOverBytes) and librdkafka's message sets
// (up to batch.size, 1 MB). By default a block above a threshold that glibc moves as the process
// runs is mapped afresh each time and memory at the heap's top goes back to the system, so the
// same blocks are faulted in again and again: on a VM where a page fault costs 10 us this was
// a microsecond per exchange in the Kafka producer's thread alone. Blocks below 16 MiB now stay
// in the heap, and up to 64 MiB of free heap is kept. An operator's own GLIBC_TUNABLES win.
void tuneAllocator() {
#ifdef __GLIBC__
    if (std::getenv("GLIBC_TUNABLES"))
        return;
    mallopt(M_MMAP_THRESHOLD, 16 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}

} // namespace

int main(int argc, char **argv) {
    tuneAllocator();
    // NOTE: Qt's poll()-based event dispatcher, not the GLib one: on the proxy's workers it
    // answers 1.5x the requests per second (GLib wakes threads through an eventfd on every
    // notifier change). Every thread's dispatcher is chosen by this one switch.
    if (qEnvironmentVariableIsEmpty("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication::setApplicationName(QStringLiteral("toolcapture"));
    QCoreApplication::setApplicationVersion(QStringLiteral(TOOLCAPTURE_VERSION));
    QCoreApplication::setOrganizationName(QStringLiteral("ToolCapture"));

    const CommandLineResult parsed = parseCommandLine(argumentList(argc, argv));
    QTextStream out(stdout);
    QTextStream err(stderr);
    switch (parsed.action) {
    case CommandLineResult::Action::ShowHelp:
    case CommandLineResult::Action::ShowVersion:
        out << parsed.message;
        return kExitOk;
    case CommandLineResult::Action::Fail:
        err << "toolcapture: " << parsed.message << "\n"
            << "Try 'toolcapture --help' for more information.\n";
        return parsed.exitCode;
    case CommandLineResult::Action::CheckConfig: {
        QCoreApplication app(argc, argv);
        return checkConfigFile(parsed.options.checkConfigFile, out, err);
    }
    case CommandLineResult::Action::Connect: {
        const QString why =
            headlessReason(parsed.options, kGuiBuilt, QProcessEnvironment::systemEnvironment());
#ifdef TOOLCAPTURE_HAS_GUI
        if (why.isEmpty())
            return runRemoteConsole(argc, argv, parsed.options);
#endif
        err << "toolcapture: --connect runs the console, which cannot start: " << why << '\n';
        return kExitUsage;
    }
    case CommandLineResult::Action::Run:
        break;
    }

    const RuntimeConfig runtime = resolveRuntimeConfig(parsed.options);
    if (!runtime.config) {
        for (const QString &error : runtime.errors)
            err << "toolcapture: " << error << '\n';
        return runtime.exitCode;
    }
    Engine::Options options;
    options.demo = parsed.options.demo;

    const QString why =
        headlessReason(parsed.options, kGuiBuilt, QProcessEnvironment::systemEnvironment());
#ifdef TOOLCAPTURE_HAS_GUI
    if (why.isEmpty())
        return runConsole(argc, argv, *runtime.config, options, runtime.notes,
                          consoleLocale(parsed.options));
#endif
    return runHeadless(argc, argv, *runtime.config, options, runtime.notes, why);
}

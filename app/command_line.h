#pragma once

#include <backend/config/proxy_config.h>

#include <QLocale>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>

class QTextStream;

namespace ToolCapture {

// What the command line asked for, validated. Optional fields are unset when not given.
struct CommandLineOptions {
    bool noGui = false;
    bool demo = false;
    bool logJson = false;
    bool verbose = false; // debug messages too
    QString configFile;
    QString checkConfigFile;
    std::optional<ListenAddress> listen;
    std::optional<ListenAddress> admin;
    std::optional<int> workers;
    QString profile; // empty: not given
    QString brokers; // empty: not given
    QString store;   // --store: the intelligence store's location; empty: not given
    // Remote mode: the admin listener of a headless ToolCapture, http://HOST:PORT.
    std::optional<QUrl> connect;
    QString tokenFile; // empty: not given (the default token file of this user)
    QString language;  // --lang: a locale name ("de", "de_DE"); empty: the system's locale
};

// The outcome of parsing: run, check a file, print help or version, or fail.
struct CommandLineResult {
    // Connect: the console against a remote instance (options.connect), no engine here.
    enum class Action { Run, Connect, CheckConfig, ShowHelp, ShowVersion, Fail };

    Action action = Action::Fail;
    CommandLineOptions options;
    QString message; // help or version text for Show*, the reason for Fail
    int exitCode = 0;
};

// The configuration to run with, or why there is none.
struct RuntimeConfig {
    std::optional<ProxyConfig> config;
    QStringList errors; // set when config is not
    QStringList notes;  // things worth logging, such as a fallback to a free port
    int exitCode = 0;   // when config is unset: 1 for a bad file, 2 for bad usage
};

// Exit codes of the executable.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Parses the arguments (the first is the program name). Needs no application object.
CommandLineResult parseCommandLine(const QStringList &arguments);

// "127.0.0.1:8090", "localhost:0", "[::1]:8090"; nullopt when malformed.
std::optional<ListenAddress> parseListenAddress(const QString &text);

// "http://127.0.0.1:8091" (a trailing "/" allowed); nullopt with the reason in `error` for any
// other scheme, a missing host or port, a path, query, fragment or user info.
std::optional<QUrl> parseConnectUrl(const QString &text, QString *error);

// Loads --config (or the --profile defaults for --demo) and applies the flags on top. For --demo
// without --config, a default port that is in use is replaced by port 0 (any free port).
RuntimeConfig resolveRuntimeConfig(const CommandLineOptions &options);

// Validates a configuration file: each error on err, or "FILE: ok" on out. The exit code.
int checkConfigFile(const QString &path, QTextStream &out, QTextStream &err);

// The locale the console speaks and formats with: --lang when given, else the system's.
QLocale consoleLocale(const CommandLineOptions &options);

// Why the console cannot start (--no-gui, no display, not built), or empty when it can.
QString headlessReason(const CommandLineOptions &options, bool guiBuilt,
                       const QProcessEnvironment &environment);

} // namespace ToolCapture

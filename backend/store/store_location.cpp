#include <backend/core/url_parts.h>
#include <backend/store/store_location.h>

#include <QDir>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QStandardPaths>
#include <QUrl>

namespace ToolCapture {

namespace {

const QString kPostgresForm = QStringLiteral("postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE");

QString quoted(QStringView text) {
    return QLatin1Char('"') + text.toString() + QLatin1Char('"');
}

QString decoded(QStringView text) {
    return QUrl::fromPercentEncoding(text.toUtf8());
}

// `rest` is what follows "postgresql://". Empty on success, else the reason.
// NOTE: a reason never quotes the user info, the query or the fragment: they may hold a
// password (libpq takes one in the query too). The scheme, host, port and path are safe.
QString parsePostgresUrl(QStringView rest, StoreLocation &location) {
    const QString notUrl = QStringLiteral("not a postgresql URL: ");
    for (const QChar c : rest) {
        if (c.isSpace() || c.unicode() < 0x20)
            return notUrl + QStringLiteral("contains white space or control characters");
    }
    const qsizetype authorityEnd = urlAuthorityEnd(rest);
    QStringView authority = rest.first(authorityEnd);
    const QStringView path = rest.mid(authorityEnd);
    const qsizetype query = path.indexOf(QLatin1Char('?'));
    const qsizetype fragment = path.indexOf(QLatin1Char('#'));
    // An unencoded "#" or "?" in a password ends the authority early: say how to write one.
    if (fragment >= 0 && (query < 0 || fragment < query)) {
        return notUrl + QStringLiteral("a fragment (\"#...\") is not allowed (a \"#\" in a "
                                       "password is written %23)");
    }
    if (query >= 0) {
        return notUrl + QStringLiteral("options (\"?...\") are not supported (a \"?\" in a "
                                       "password is written %3F); expected %1")
                            .arg(kPostgresForm);
    }

    const qsizetype at = authority.lastIndexOf(QLatin1Char('@'));
    if (at < 0 && path.contains(QLatin1Char('@')))
        return notUrl + QStringLiteral("no user before the host (a \"/\" in a password is written "
                                       "%2F)");
    if (at < 0)
        return notUrl + QStringLiteral("no user; expected %1").arg(kPostgresForm);
    const QStringView userInfo = authority.first(at);
    authority = authority.mid(at + 1);
    const qsizetype colon = userInfo.indexOf(QLatin1Char(':'));
    location.user = decoded(colon < 0 ? userInfo : userInfo.first(colon));
    location.password = colon < 0 ? QString() : decoded(userInfo.mid(colon + 1));
    if (location.user.isEmpty())
        return notUrl + QStringLiteral("no user; expected %1").arg(kPostgresForm);

    QStringView host = authority;
    QStringView port;
    bool hasPort = false;
    if (authority.startsWith(QLatin1Char('['))) {
        const qsizetype close = authority.indexOf(QLatin1Char(']'));
        if (close < 0)
            return notUrl + QStringLiteral("missing \"]\" after an IPv6 address");
        host = authority.first(close + 1);
        const QStringView after = authority.mid(close + 1);
        if (!after.isEmpty() && !after.startsWith(QLatin1Char(':')))
            return notUrl + QStringLiteral("unexpected %1 after \"]\"").arg(quoted(after));
        hasPort = !after.isEmpty();
        port = after.mid(1);
    } else if (const qsizetype c = authority.indexOf(QLatin1Char(':')); c >= 0) {
        if (authority.indexOf(QLatin1Char(':'), c + 1) >= 0)
            return notUrl + QStringLiteral("IPv6 addresses need brackets, as in \"[::1]:5432\"");
        host = authority.first(c);
        port = authority.mid(c + 1);
        hasPort = true;
    }
    if (host.isEmpty())
        return notUrl + QStringLiteral("no host; expected %1").arg(kPostgresForm);
    // QUrl checks the host's syntax (names, IPv4, bracketed IPv6) and normalises it.
    QUrl hostCheck;
    hostCheck.setHost(host.toString(), QUrl::StrictMode);
    if (!hostCheck.isValid() || hostCheck.host().isEmpty())
        return notUrl + QStringLiteral("%1 is not a valid host").arg(quoted(host));
    location.host = hostCheck.host();
    location.port = 5432;
    if (hasPort) {
        bool digitsOnly = !port.isEmpty() && port.size() <= 5;
        for (const QChar c : port)
            digitsOnly = digitsOnly && c >= QLatin1Char('0') && c <= QLatin1Char('9');
        const int value = digitsOnly ? port.toInt() : 0;
        if (value < 1 || value > 65535) {
            return notUrl + QStringLiteral("the port must be a number between 1 and 65535, got %1")
                                .arg(quoted(port));
        }
        location.port = value;
    }

    if (path.size() <= 1)
        return notUrl + QStringLiteral("no database; expected %1").arg(kPostgresForm);
    if (path.indexOf(QLatin1Char('/'), 1) >= 0) {
        return notUrl + QStringLiteral("the path must be one database name, as in "
                                       "\"/toolcapture\", got %1")
                            .arg(quoted(path));
    }
    location.database = decoded(path.mid(1));
    return {};
}

} // namespace

std::optional<StoreLocation> StoreLocation::parse(const QString &text, QString *error) {
    const auto fail = [&](const QString &why) -> std::optional<StoreLocation> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return fail(
            QStringLiteral("empty; expected a file path, sqlite:PATH or %1").arg(kPostgresForm));
    for (const QLatin1String scheme :
         {QLatin1String("postgresql://"), QLatin1String("postgres://")}) {
        if (!trimmed.startsWith(scheme))
            continue;
        StoreLocation location;
        location.kind = Kind::PostgreSql;
        const QString why = parsePostgresUrl(QStringView(trimmed).mid(scheme.size()), location);
        if (!why.isEmpty())
            return fail(why);
        return location;
    }
    if (const qsizetype schemeEnd = trimmed.indexOf(QLatin1String("://")); schemeEnd >= 0) {
        // Only the scheme: the rest may hold a password.
        return fail(QStringLiteral("unknown scheme %1 (expected postgresql:// or a file path)")
                        .arg(quoted(QStringView(trimmed).first(schemeEnd))));
    }
    StoreLocation location;
    location.kind = Kind::Sqlite;
    location.path = trimmed.startsWith(QLatin1String("sqlite:")) ? trimmed.mid(7) : trimmed;
    if (location.path.isEmpty())
        return fail(QStringLiteral("no file path after \"sqlite:\""));
    return location;
}

std::optional<StoreLocation> StoreLocation::fromSetting(const QString &text, QString *error) {
    const auto fail = [&](const QString &why) -> std::optional<StoreLocation> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    const QString expected = QStringLiteral("expected \"sqlite\", sqlite:PATH, an absolute file "
                                            "path or %1")
                                 .arg(kPostgresForm);
    const QString trimmed = text.trimmed();
    // Not a way to ask for the default: an empty value is more likely a variable that was
    // never set (--store "$URL") than a wish for the user's data directory.
    if (trimmed.isEmpty())
        return fail(QStringLiteral("empty; %1").arg(expected));
    if (trimmed == QLatin1String("sqlite")) {
        StoreLocation location;
        location.kind = Kind::Sqlite;
        location.path = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                        QStringLiteral("/intelligence.sqlite");
        return location;
    }
    if (trimmed == QLatin1String("postgresql") || trimmed == QLatin1String("postgres")) {
        return fail(QStringLiteral("store \"%1\" needs the database's address: %2")
                        .arg(trimmed, kPostgresForm));
    }
    if (!trimmed.contains(QLatin1String("://")) && !trimmed.startsWith(QLatin1String("sqlite:")) &&
        !QDir::isAbsolutePath(trimmed)) {
        // NOTE: quoted only without "@": a URL without its scheme may hold a password.
        if (trimmed.contains(QLatin1Char('@')))
            return fail(QStringLiteral("unknown store (%1)").arg(expected));
        return fail(QStringLiteral("unknown store %1 (%2)").arg(quoted(trimmed), expected));
    }
    return parse(trimmed, error);
}

QString StoreLocation::toString() const {
    if (kind == Kind::Sqlite)
        return QStringLiteral("sqlite:%1").arg(path);
    return QStringLiteral("postgresql://%1@%2:%3/%4").arg(user, host).arg(port).arg(database);
}

void StoreLocation::configure(QSqlDatabase &db) const {
    if (kind == Kind::Sqlite) {
        const QFileInfo info(path);
        QDir().mkpath(info.absolutePath());
        db.setDatabaseName(info.absoluteFilePath());
        return;
    }
    db.setHostName(host);
    db.setPort(port);
    db.setUserName(user);
    db.setPassword(password);
    db.setDatabaseName(database);
}

QString StoreLocation::driver() const {
    return kind == Kind::Sqlite ? QStringLiteral("QSQLITE") : QStringLiteral("QPSQL");
}

} // namespace ToolCapture

#include <backend/store/store_location.h>

#include <QDir>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QStandardPaths>
#include <QUrl>

namespace ToolCapture {

std::optional<StoreLocation> StoreLocation::parse(const QString &text, QString *error) {
    const auto fail = [&](const QString &why) -> std::optional<StoreLocation> {
        if (error)
            *error = QStringLiteral("store %1: %2").arg(text, why);
        return std::nullopt;
    };
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return fail(QStringLiteral("empty"));
    if (trimmed.startsWith(QLatin1String("postgresql://")) ||
        trimmed.startsWith(QLatin1String("postgres://"))) {
        const QUrl url(trimmed, QUrl::StrictMode);
        if (!url.isValid())
            return fail(QStringLiteral("not a valid URL: %1").arg(url.errorString()));
        StoreLocation location;
        location.kind = Kind::PostgreSql;
        location.host = url.host();
        location.user = url.userName();
        location.password = url.password();
        location.database = url.path().mid(1);
        if (location.user.isEmpty())
            return fail(QStringLiteral("the URL names no user (postgresql://USER@HOST/DB)"));
        if (location.host.isEmpty())
            return fail(QStringLiteral("the URL names no host"));
        if (location.database.isEmpty() || location.database.contains(QLatin1Char('/')))
            return fail(QStringLiteral("the URL names no database (…/DATABASE)"));
        const int port = url.port(5432);
        if (port <= 0 || port > 65535)
            return fail(QStringLiteral("bad port"));
        location.port = port;
        if (url.hasQuery() || url.hasFragment())
            return fail(QStringLiteral("options in the URL are not supported"));
        return location;
    }
    if (trimmed.contains(QLatin1String("://")))
        return fail(QStringLiteral("unknown scheme (expected postgresql:// or a file path)"));
    StoreLocation location;
    location.kind = Kind::Sqlite;
    location.path = trimmed.startsWith(QLatin1String("sqlite:")) ? trimmed.mid(7) : trimmed;
    if (location.path.isEmpty())
        return fail(QStringLiteral("no file path"));
    return location;
}

std::optional<StoreLocation> StoreLocation::fromSetting(const QString &text, QString *error) {
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty() || trimmed == QLatin1String("sqlite")) {
        StoreLocation location;
        location.kind = Kind::Sqlite;
        location.path = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                        QStringLiteral("/intelligence.sqlite");
        return location;
    }
    if (trimmed == QLatin1String("postgresql") || trimmed == QLatin1String("postgres")) {
        if (error)
            *error = QStringLiteral("store \"%1\" needs the database's address: "
                                    "postgresql://USER@HOST:PORT/DB")
                         .arg(trimmed);
        return std::nullopt;
    }
    if (!trimmed.contains(QLatin1String("://")) && !trimmed.startsWith(QLatin1String("sqlite:")) &&
        !QDir::isAbsolutePath(trimmed)) {
        if (error)
            *error = QStringLiteral("unknown store \"%1\" (expected \"sqlite\", sqlite:PATH, an "
                                    "absolute file path or postgresql://USER@HOST:PORT/DB)")
                         .arg(trimmed);
        return std::nullopt;
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

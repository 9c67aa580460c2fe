#include <backend/admin/admin_token.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QStandardPaths>

#include <array>

namespace ToolCapture {

namespace {

constexpr QFileDevice::Permissions kOwnerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
constexpr QFileDevice::Permissions kOthers = QFileDevice::ReadGroup | QFileDevice::WriteGroup |
                                             QFileDevice::ExeGroup | QFileDevice::ReadOther |
                                             QFileDevice::WriteOther | QFileDevice::ExeOther;

bool fail(QString *error, const QString &message) {
    if (error)
        *error = message;
    return false;
}

// Exactly owner read + write (ReadUser/WriteUser mirror them for the file's owner).
bool isOwnerOnly(QFileDevice::Permissions permissions) {
    return (permissions & kOwnerOnly) == kOwnerOnly && !(permissions & kOthers) &&
           !(permissions & QFileDevice::ExeOwner);
}

QString generate() {
    std::array<quint32, AdminToken::kRandomBytes / sizeof(quint32)> words{};
    QRandomGenerator::system()->fillRange(words.data(), qsizetype(words.size()));
    const QByteArray bytes(reinterpret_cast<const char *>(words.data()), qsizetype(sizeof(words)));
    return QString::fromLatin1(bytes.toHex());
}

// Creates `path` with owner-only permissions and writes `token` into it.
bool create(const QString &path, const QString &token, QString *error) {
    QFile file(path);
    // NewOnly: never follow or overwrite a file someone put there meanwhile.
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly, kOwnerOnly))
        return fail(error, QStringLiteral("cannot create %1: %2").arg(path, file.errorString()));
    // The umask cannot widen the mode given at creation, but be explicit and check before the
    // secret goes in.
    if (!file.setPermissions(kOwnerOnly) || !isOwnerOnly(file.permissions())) {
        file.remove();
        return fail(error, QStringLiteral("cannot restrict %1 to its owner").arg(path));
    }
    const QByteArray bytes = token.toLatin1() + '\n';
    if (file.write(bytes) != bytes.size() || !file.flush()) {
        const QString reason = file.errorString();
        file.remove();
        return fail(error, QStringLiteral("cannot write %1: %2").arg(path, reason));
    }
    return true;
}

} // namespace

std::optional<AdminToken> AdminToken::load(const QString &configured, const QString &directory,
                                           QString *error) {
    AdminToken token;
    if (!configured.isEmpty()) {
        token.m_value = configured;
        token.m_bytes = configured.toUtf8();
        return token;
    }
    if (directory.isEmpty()) {
        fail(error, QStringLiteral("no directory for the admin token"));
        return std::nullopt;
    }
    if (!QDir().mkpath(directory)) {
        fail(error, QStringLiteral("cannot create the directory %1").arg(directory));
        return std::nullopt;
    }
    const QString path = QDir(directory).filePath(QLatin1String(kFileName));
    token.m_filePath = path;

    QFile existing(path);
    if (existing.exists()) {
        if (!existing.open(QIODevice::ReadOnly)) {
            fail(error, QStringLiteral("cannot read %1: %2").arg(path, existing.errorString()));
            return std::nullopt;
        }
        // NOTE: a token file readable by others is tightened rather than refused: the secret
        // may already be known, but refusing would lock the operator out of their own console.
        if (!isOwnerOnly(existing.permissions()) && !existing.setPermissions(kOwnerOnly)) {
            fail(error, QStringLiteral("cannot restrict %1 to its owner").arg(path));
            return std::nullopt;
        }
        const QString value = QString::fromUtf8(existing.read(4096)).trimmed();
        existing.close();
        if (!value.isEmpty()) {
            token.m_value = value;
            token.m_bytes = value.toUtf8();
            return token;
        }
        // An empty file (an interrupted first start): replace it.
        if (!existing.remove()) {
            fail(error, QStringLiteral("cannot replace the empty %1").arg(path));
            return std::nullopt;
        }
    }
    token.m_value = generate();
    token.m_bytes = token.m_value.toUtf8();
    token.m_generated = true;
    if (!create(path, token.m_value, error))
        return std::nullopt;
    return token;
}

QString AdminToken::defaultDirectory() {
    return QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation);
}

QString AdminToken::describe() const {
    if (fromConfiguration())
        return QStringLiteral("admin token from the configuration");
    return m_generated ? QStringLiteral("admin token generated in %1").arg(m_filePath)
                       : QStringLiteral("admin token read from %1").arg(m_filePath);
}

bool AdminToken::matches(QByteArrayView presented) const noexcept {
    if (m_bytes.isEmpty())
        return false;
    // Every byte of the presented value is looked at, whatever the lengths.
    unsigned difference = unsigned(presented.size() != m_bytes.size());
    const qsizetype n = m_bytes.size();
    for (qsizetype i = 0; i < presented.size(); ++i)
        difference |= unsigned(quint8(presented[i]) ^ quint8(m_bytes[i % n]));
    return difference == 0;
}

} // namespace ToolCapture

#pragma once

#include <QByteArrayView>
#include <QString>

#include <optional>

namespace ToolCapture {

// The bearer token guarding the admin API's mutating endpoints: the configured one, or one
// generated at first start (32 random bytes, hex) and kept in a file only its owner may read or
// write. Plain value; load() does file I/O, so call it at startup on the engine thread.
class AdminToken {
public:
    static constexpr int kRandomBytes = 32;
    static constexpr const char *kFileName = "admin-token";

    // `configured` when not empty; else the token in `directory`/admin-token, created (with the
    // directory) when missing or empty. nullopt with `error` set when the file cannot be read,
    // created, restricted to its owner or written.
    static std::optional<AdminToken> load(const QString &configured, const QString &directory,
                                          QString *error = nullptr);
    // QStandardPaths::AppConfigLocation.
    static QString defaultDirectory();

    const QString &value() const noexcept { return m_value; }
    // Where the token is kept; empty when it came from the configuration.
    const QString &filePath() const noexcept { return m_filePath; }
    bool fromConfiguration() const noexcept { return m_filePath.isEmpty(); }
    bool wasGenerated() const noexcept { return m_generated; }
    // Where the token comes from, for the log (never the token itself).
    QString describe() const;

    // Whether `presented` is the token, compared in time independent of where they differ.
    bool matches(QByteArrayView presented) const noexcept;

private:
    QString m_value;
    QByteArray m_bytes; // m_value as UTF-8, for matches()
    QString m_filePath;
    bool m_generated = false;
};

} // namespace ToolCapture

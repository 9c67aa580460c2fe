#pragma once

#include <QList>
#include <QString>
#include <QUrl>

class QSettings;

namespace ToolCapture {

// The remote instances File > Connect… reached, most recent first, with the token file used for
// each; kept in QSettings ("connect/recent").
class RecentConnections {
public:
    struct Entry {
        QUrl url;
        QString tokenFile;

        bool operator==(const Entry &) const = default;
    };
    static constexpr int kMaxEntries = 8;

    static RecentConnections load(QSettings &settings);
    void save(QSettings &settings) const;

    // Puts the entry first; an entry with the same URL goes; at most kMaxEntries are kept.
    void add(const Entry &entry);
    const QList<Entry> &entries() const { return m_entries; }
    // The token file last used with `url`; empty when none.
    QString tokenFileFor(const QUrl &url) const;

private:
    QList<Entry> m_entries;
};

} // namespace ToolCapture

#include <app/recent_connections.h>

#include <QSettings>

namespace ToolCapture {

namespace {
const QString kGroup = QStringLiteral("connect/recent");
}

RecentConnections RecentConnections::load(QSettings &settings) {
    RecentConnections recent;
    const int count = settings.beginReadArray(kGroup);
    for (int i = 0; i < count; ++i) {
        settings.setArrayIndex(i);
        Entry entry{settings.value(QStringLiteral("url")).toUrl(),
                    settings.value(QStringLiteral("tokenFile")).toString()};
        if (entry.url.isValid() && !entry.url.isEmpty() && recent.m_entries.size() < kMaxEntries)
            recent.m_entries.append(entry);
    }
    settings.endArray();
    return recent;
}

void RecentConnections::save(QSettings &settings) const {
    settings.remove(kGroup);
    settings.beginWriteArray(kGroup, int(m_entries.size()));
    for (int i = 0; i < m_entries.size(); ++i) {
        settings.setArrayIndex(i);
        settings.setValue(QStringLiteral("url"), m_entries.at(i).url);
        settings.setValue(QStringLiteral("tokenFile"), m_entries.at(i).tokenFile);
    }
    settings.endArray();
}

void RecentConnections::add(const Entry &entry) {
    m_entries.removeIf([&entry](const Entry &e) { return e.url == entry.url; });
    m_entries.prepend(entry);
    if (m_entries.size() > kMaxEntries)
        m_entries.resize(kMaxEntries);
}

QString RecentConnections::tokenFileFor(const QUrl &url) const {
    for (const Entry &entry : m_entries) {
        if (entry.url == url)
            return entry.tokenFile;
    }
    return {};
}

} // namespace ToolCapture

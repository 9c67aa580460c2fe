#include <backend/feed/feed_transport.h>
#include <models/cache_entry_model.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace ToolCapture {

namespace {

QByteArray encode(const QString &value) {
    return value.toUtf8().toPercentEncoding();
}

// The problem's detail, else the transport's error, else the status.
QString describeFailure(const FeedResponse &response) {
    QString error =
        QJsonDocument::fromJson(response.body).object().value(QLatin1String("detail")).toString();
    if (error.isEmpty()) {
        error = response.error.isEmpty()
                    ? CacheEntryModel::tr("HTTP status %1").arg(response.status)
                    : response.error;
    }
    return error;
}

} // namespace

CacheEntryModel::CacheEntryModel(FeedTransport *transport, QObject *parent)
    : QAbstractTableModel(parent)
    , m_transport(transport) {}

void CacheEntryModel::setFilter(const QString &service, const QString &prefix) {
    if (service == m_service && prefix == m_prefix)
        return;
    m_service = service;
    m_prefix = prefix;
    reload();
}

void CacheEntryModel::reload() {
    ++m_generation;
    m_fetching = false;
    m_exhausted = false;
    m_cacheMissing = false;
    m_cursor.clear();
    if (!m_rows.empty()) {
        beginResetModel();
        m_rows.clear();
        endResetModel();
    }
    fetchMore({});
}

bool CacheEntryModel::canFetchMore(const QModelIndex &parent) const {
    return !parent.isValid() && m_transport && !m_fetching && !m_exhausted &&
           m_rows.size() < size_t(kCap);
}

void CacheEntryModel::fetchMore(const QModelIndex &parent) {
    if (!canFetchMore(parent))
        return;
    QByteArray target =
        "/api/v1/cache?limit=" + QByteArray::number(std::min(kPage, kCap - int(m_rows.size())));
    if (!m_service.isEmpty())
        target += "&service=" + encode(m_service);
    if (!m_prefix.isEmpty())
        target += "&prefix=" + encode(m_prefix);
    if (!m_cursor.isEmpty())
        target += "&cursor=" + m_cursor.toPercentEncoding();
    FeedRequest request;
    request.target = target;
    m_fetching = true;
    const quint64 generation = m_generation;
    m_transport->request(request, this, [this, generation](const FeedResponse &response) {
        if (generation != m_generation)
            return;
        m_fetching = false;
        if (!response.ok()) {
            m_exhausted = true;
            m_cacheMissing = response.status == 404;
            emit loadFailed(describeFailure(response));
            return;
        }
        const QJsonObject page = QJsonDocument::fromJson(response.body).object();
        const QJsonArray entries = page.value(QLatin1String("entries")).toArray();
        std::vector<Row> rows;
        rows.reserve(size_t(entries.size()));
        for (const QJsonValue &value : entries) {
            const QJsonObject e = value.toObject();
            rows.push_back({e.value(QLatin1String("key")).toString(),
                            e.value(QLatin1String("service")).toString(),
                            e.value(QLatin1String("bytes")).toInteger(),
                            e.value(QLatin1String("age_s")).toInteger(),
                            e.value(QLatin1String("ttl_left_s")).toInteger(),
                            e.value(QLatin1String("ttl_source")).toString(),
                            e.value(QLatin1String("hits")).toInteger(),
                            e.value(QLatin1String("status")).toInt()});
        }
        const QJsonValue next = page.value(QLatin1String("next_cursor"));
        m_cursor = next.isString() ? next.toString().toUtf8() : QByteArray();
        m_exhausted = m_cursor.isEmpty();
        const int room = kCap - int(m_rows.size());
        if (int(rows.size()) > room)
            rows.resize(size_t(room));
        if (!rows.empty()) {
            const int first = int(m_rows.size());
            beginInsertRows({}, first, first + int(rows.size()) - 1);
            m_rows.insert(m_rows.end(), std::make_move_iterator(rows.begin()),
                          std::make_move_iterator(rows.end()));
            endInsertRows();
        }
        if (rows.empty() && !m_exhausted) {
            // A page of other services' entries (they share a store): read on to the next one
            // that has some, or to the end.
            fetchMore({});
            return;
        }
        emit pageLoaded(int(rows.size()));
    });
}

void CacheEntryModel::purge(PurgeScope scope, const QString &value) {
    if (!m_transport)
        return;
    FeedRequest request;
    request.method = "DELETE";
    request.target = "/api/v1/cache";
    switch (scope) {
    case PurgeScope::All:
        break;
    case PurgeScope::Key:
        request.target += "?key=" + encode(value);
        break;
    case PurgeScope::Prefix:
        request.target += "?prefix=" + encode(value);
        break;
    case PurgeScope::Service:
        request.target += "?service=" + encode(value);
        break;
    }
    m_transport->request(request, this, [this](const FeedResponse &response) {
        if (response.ok()) {
            emit purged(QJsonDocument::fromJson(response.body)
                            .object()
                            .value(QLatin1String("purged"))
                            .toInt());
        } else {
            emit purgeFailed(describeFailure(response));
        }
        reload();
    });
}

int CacheEntryModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int CacheEntryModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(Column::Count);
}

QString CacheEntryModel::formatBytes(qint64 bytes) {
    if (bytes < 1024)
        return tr("%1 B").arg(bytes);
    if (bytes < 1024 * 1024)
        return tr("%1 KiB").arg(double(bytes) / 1024.0, 0, 'f', 1);
    return tr("%1 MiB").arg(double(bytes) / (1024.0 * 1024.0), 0, 'f', 1);
}

QString CacheEntryModel::formatSeconds(qint64 seconds) {
    const bool negative = seconds < 0;
    const qint64 s = negative ? -seconds : seconds;
    QString text;
    if (s < 60)
        text = tr("%1 s").arg(s);
    else if (s < 3600)
        text = tr("%1 min %2 s").arg(s / 60).arg(s % 60);
    else
        text = tr("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
    return negative ? tr("stale for %1").arg(text) : text;
}

QVariant CacheEntryModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= int(m_rows.size()))
        return {};
    const Row &row = m_rows[size_t(index.row())];
    const Column column = Column(index.column());
    if (role == KeyRole)
        return row.key;
    if (role == ValueRole) {
        switch (column) {
        case Column::Key:
            return row.key;
        case Column::Service:
            return row.service;
        case Column::Size:
            return row.bytes;
        case Column::Age:
            return row.ageSeconds;
        case Column::TtlLeft:
            return row.ttlLeftSeconds;
        case Column::TtlSource:
            return row.ttlSource;
        case Column::Hits:
            return row.hits;
        case Column::Status:
            return row.status;
        case Column::Count:
            break;
        }
        return {};
    }
    if (role == Qt::TextAlignmentRole) {
        const bool number = column == Column::Size || column == Column::Age ||
                            column == Column::TtlLeft || column == Column::Hits ||
                            column == Column::Status;
        return QVariant::fromValue(number ? Qt::AlignRight | Qt::AlignVCenter
                                          : Qt::AlignLeft | Qt::AlignVCenter);
    }
    if (role == Qt::ToolTipRole && column == Column::Key)
        return row.key;
    if (role == Qt::ToolTipRole && column == Column::TtlSource) {
        if (row.ttlSource == QLatin1String("header"))
            return tr("From the response: s-maxage, max-age or Expires");
        if (row.ttlSource == QLatin1String("heuristic"))
            return tr("Heuristic: a fraction of the time since Last-Modified");
        if (row.ttlSource == QLatin1String("learned"))
            return tr("Learned from how often this operation's response changes");
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (column) {
    case Column::Key: {
        // A Vary variant's key holds its secondary key after a newline.
        QString key = row.key;
        key.replace(QLatin1Char('\n'), QStringLiteral(" \u2192 "));
        return key;
    }
    case Column::Service:
        return row.service;
    case Column::Size:
        return formatBytes(row.bytes);
    case Column::Age:
        return formatSeconds(row.ageSeconds);
    case Column::TtlLeft:
        return formatSeconds(row.ttlLeftSeconds);
    case Column::TtlSource:
        return row.ttlSource;
    case Column::Hits:
        return row.hits;
    case Column::Status:
        return row.status;
    case Column::Count:
        break;
    }
    return {};
}

QVariant CacheEntryModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Column::Key:
        return tr("Key");
    case Column::Service:
        return tr("Service");
    case Column::Size:
        return tr("Size");
    case Column::Age:
        return tr("Age");
    case Column::TtlLeft:
        return tr("TTL left");
    case Column::TtlSource:
        return tr("TTL source");
    case Column::Hits:
        return tr("Hits");
    case Column::Status:
        return tr("Status");
    case Column::Count:
        break;
    }
    return {};
}

} // namespace ToolCapture

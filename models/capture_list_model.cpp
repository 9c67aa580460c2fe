#include <backend/feed/feed_transport.h>
#include <models/capture_list_model.h>

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QUrlQuery>

#include <algorithm>

namespace ToolCapture {

CaptureListModel::CaptureListModel(FeedTransport *transport, QObject *parent)
    : QAbstractTableModel(parent)
    , m_transport(transport) {
    m_batchTimer.setSingleShot(true);
    m_batchTimer.setInterval(kBatchInterval);
    connect(&m_batchTimer, &QTimer::timeout, this, &CaptureListModel::flushPending);
    if (transport)
        connect(transport, &FeedTransport::appendItemsLost, this, &CaptureListModel::reload);
}

CaptureListModel::~CaptureListModel() = default;

void CaptureListModel::apply(const FeedMessage &message) {
    if (!message.append || message.subject != subject())
        return;
    const QJsonArray items = QJsonDocument::fromJson(message.json).array();
    for (const QJsonValue &item : items) {
        auto summary = CaptureSummary::fromJson(item.toObject());
        if (!summary || summary->id <= m_floorId)
            continue;
        m_newestSeen = std::max(m_newestSeen, summary->id);
        intern(*summary);
        m_pending.push_back(std::move(*summary));
    }
    // What waits beyond the cap would be trimmed right after its insertion anyway.
    while (m_pending.size() > size_t(m_cap))
        m_pending.pop_front();
    if (!m_paused && !m_pending.empty() && !m_batchTimer.isActive())
        m_batchTimer.start();
}

void CaptureListModel::intern(CaptureSummary &summary) {
    // NOTE: a 50 000-row list holds the same few methods, services and instances over and over;
    // sharing their text keeps a row to its path and correlation id. The set stays small (a
    // value is only added when new) but is capped in case a field turns out to vary freely.
    constexpr qsizetype kMaxStrings = 4096;
    for (QString *field :
         {&summary.method, &summary.service, &summary.instance, &summary.breakerState,
          &summary.cache, &summary.proxyError, &summary.clientAddress, &summary.requestContentType,
          &summary.responseContentType}) {
        if (field->isEmpty())
            continue;
        const auto it = m_strings.constFind(*field);
        if (it != m_strings.constEnd())
            *field = *it;
        else if (m_strings.size() < kMaxStrings)
            m_strings.insert(*field);
    }
}

void CaptureListModel::setCap(int cap) {
    m_cap = std::max(1, cap);
    if (m_rows.size() > size_t(m_cap)) {
        const int excess = int(m_rows.size()) - m_cap;
        beginRemoveRows({}, 0, excess - 1);
        m_rows.erase(m_rows.begin(), m_rows.begin() + excess);
        endRemoveRows();
    }
    while (m_pending.size() > size_t(m_cap))
        m_pending.pop_front();
}

void CaptureListModel::setPaused(bool paused) {
    if (m_paused == paused)
        return;
    m_paused = paused;
    if (paused)
        m_batchTimer.stop();
    else if (m_reloadOnResume)
        reload();
    else if (!m_pending.empty())
        m_batchTimer.start();
}

void CaptureListModel::reload() {
    if (m_paused) {
        m_reloadOnResume = true;
        return;
    }
    m_reloadOnResume = false;
    // NOTE: the newest page comes from the store, which the engine writes before it feeds a
    // capture: live rows that arrive meanwhile either follow the page or are already in it
    // (flushPending() drops those).
    beginResetModel();
    m_rows.clear();
    m_pending.clear();
    m_batchTimer.stop();
    m_historyExhausted = false;
    m_fetching = false;
    ++m_generation;
    endResetModel();
    fetchMore({});
}

void CaptureListModel::flushPending() {
    if (m_paused || m_pending.empty())
        return;
    // A history page may already hold the first of them.
    const qint64 newest = m_rows.empty() ? 0 : m_rows.back().id;
    while (!m_pending.empty() && m_pending.front().id <= newest)
        m_pending.pop_front();
    const int n = int(m_pending.size());
    if (n == 0)
        return;
    const int rows = int(m_rows.size());
    const int excess = std::min(rows, rows + n - m_cap);
    if (excess > 0) {
        beginRemoveRows({}, 0, excess - 1);
        m_rows.erase(m_rows.begin(), m_rows.begin() + excess);
        endRemoveRows();
    }
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + n - 1);
    m_rows.insert(m_rows.end(), std::make_move_iterator(m_pending.begin()),
                  std::make_move_iterator(m_pending.end()));
    m_pending.clear();
    endInsertRows();
}

void CaptureListModel::clear() {
    beginResetModel();
    m_floorId = std::max(m_floorId, m_newestSeen);
    if (!m_rows.empty())
        m_floorId = std::max(m_floorId, m_rows.back().id);
    m_rows.clear();
    m_pending.clear();
    m_batchTimer.stop();
    m_historyExhausted = true;
    m_fetching = false;
    m_reloadOnResume = false;
    ++m_generation;
    endResetModel();
}

void CaptureListModel::setHistoryQuery(const QList<QPair<QString, QString>> &query) {
    if (query == m_historyQuery)
        return;
    beginResetModel();
    m_historyQuery = query;
    m_rows.clear();
    m_historyExhausted = false;
    m_fetching = false;
    ++m_generation;
    endResetModel();
}

int CaptureListModel::rowOf(const QString &idOrCorrelationId) const {
    bool numeric = false;
    const qint64 id = idOrCorrelationId.toLongLong(&numeric);
    for (int row = int(m_rows.size()) - 1; row >= 0; --row) {
        const CaptureSummary &s = m_rows[size_t(row)];
        if (numeric ? s.id == id : s.correlationId == idOrCorrelationId)
            return row;
    }
    return -1;
}

int CaptureListModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int CaptureListModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(Column::Count);
}

QVariant CaptureListModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const CaptureSummary &s = m_rows[size_t(index.row())];
    const auto column = Column(index.column());
    switch (role) {
    case CaptureIdRole:
        return s.id;
    case CorrelationIdRole:
        return s.correlationId;
    case Qt::DisplayRole: {
        const QLocale locale;
        switch (column) {
        case Column::Id:
            return s.id;
        case Column::Time:
            return QDateTime::fromMSecsSinceEpoch(s.acceptedAtUs / 1000)
                .toLocalTime()
                .toString(QStringLiteral("HH:mm:ss.zzz"));
        case Column::Method:
            return s.method;
        case Column::Service:
            return s.service.isEmpty() ? tr("(no route)") : s.service;
        case Column::Instance:
            return s.instance;
        case Column::Target:
            return s.target();
        case Column::Status:
            if (s.status == 0)
                return tr("none");
            return s.proxyError.isEmpty()
                       ? QString::number(s.status)
                       : tr("%1 (%2)").arg(QString::number(s.status), s.proxyError);
        case Column::Duration:
            return s.doneUs < 0 ? QString() : locale.toString(s.durationMs(), 'f', 2);
        case Column::ResponseSize:
            return locale.formattedDataSize(s.responseBytes, 1, QLocale::DataSizeTraditionalFormat);
        case Column::Attempts:
            return s.attempts;
        case Column::CorrelationId:
            return s.correlationId;
        case Column::Count:
            break;
        }
        return {};
    }
    case Qt::ToolTipRole:
        if (column == Column::Target || column == Column::CorrelationId)
            return column == Column::Target ? s.target() : s.correlationId;
        return {};
    case Qt::TextAlignmentRole:
        switch (column) {
        case Column::Id:
        case Column::Duration:
        case Column::ResponseSize:
        case Column::Attempts:
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return {};
        }
    case Qt::ForegroundRole:
        if (column == Column::Status) {
            if (s.status >= 500 || s.status == 0)
                return QBrush(QColor(0xd3, 0x2f, 0x2f));
            if (s.status >= 400)
                return QBrush(QColor(0xe6, 0x7e, 0x00));
        }
        return {};
    default:
        return {};
    }
}

QVariant CaptureListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Column::Id:
        return tr("No.");
    case Column::Time:
        return tr("Time");
    case Column::Method:
        return tr("Method");
    case Column::Service:
        return tr("Service");
    case Column::Instance:
        return tr("Instance");
    case Column::Target:
        return tr("Path");
    case Column::Status:
        return tr("Status");
    case Column::Duration:
        return tr("Duration (ms)");
    case Column::ResponseSize:
        return tr("Size");
    case Column::Attempts:
        return tr("Attempts");
    case Column::CorrelationId:
        return tr("Correlation ID");
    case Column::Count:
        break;
    }
    return {};
}

bool CaptureListModel::canFetchMore(const QModelIndex &parent) const {
    return !parent.isValid() && m_transport && !m_historyExhausted && !m_fetching &&
           m_rows.size() < size_t(m_cap);
}

void CaptureListModel::fetchMore(const QModelIndex &parent) {
    if (!canFetchMore(parent))
        return;
    QUrlQuery query;
    for (const auto &[name, value] : std::as_const(m_historyQuery))
        query.addQueryItem(name, value);
    const int limit = std::min(kHistoryPage, m_cap - int(m_rows.size()));
    query.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    if (!m_rows.empty())
        query.addQueryItem(QStringLiteral("before_id"), QString::number(m_rows.front().id));
    FeedRequest request;
    request.target = "/api/v1/captures?" + query.query(QUrl::FullyEncoded).toUtf8();
    m_fetching = true;
    const quint64 generation = m_generation;
    m_transport->request(request, this, [this, generation, limit](const FeedResponse &response) {
        if (generation != m_generation)
            return;
        m_fetching = false;
        if (!response.ok()) {
            const QJsonObject problem = QJsonDocument::fromJson(response.body).object();
            QString error = problem.value(QLatin1StringView("detail")).toString();
            if (error.isEmpty())
                error = response.error.isEmpty() ? tr("HTTP status %1").arg(response.status)
                                                 : response.error;
            m_historyExhausted = true;
            emit historyFailed(error);
            return;
        }
        const QJsonObject page = QJsonDocument::fromJson(response.body).object();
        QList<CaptureSummary> items =
            CaptureSummary::listFromJson(page.value(QLatin1StringView("captures")).toArray());
        for (CaptureSummary &item : items)
            intern(item);
        const bool more = !page.value(QLatin1StringView("next_before_id")).isNull() &&
                          page.contains(QLatin1StringView("next_before_id")) &&
                          items.size() >= limit;
        insertHistory(items, more);
    });
}

void CaptureListModel::insertHistory(QList<CaptureSummary> newestFirst, bool more) {
    const qint64 oldest = m_rows.empty() ? std::numeric_limits<qint64>::max() : m_rows.front().id;
    std::vector<CaptureSummary> page; // oldest first
    page.reserve(size_t(newestFirst.size()));
    bool reachedFloor = false;
    for (auto it = newestFirst.rbegin(); it != newestFirst.rend(); ++it) {
        if (it->id <= m_floorId) {
            reachedFloor = true;
            continue;
        }
        if (it->id < oldest)
            page.push_back(std::move(*it));
    }
    m_historyExhausted = !more || reachedFloor;
    const int room = m_cap - int(m_rows.size());
    if (int(page.size()) > room) // keep the newest of the page, next to the rows
        page.erase(page.begin(), page.begin() + (int(page.size()) - room));
    if (!page.empty()) {
        beginInsertRows({}, 0, int(page.size()) - 1);
        m_rows.insert(m_rows.begin(), std::make_move_iterator(page.begin()),
                      std::make_move_iterator(page.end()));
        endInsertRows();
    }
    emit historyLoaded(int(page.size()));
}

} // namespace ToolCapture

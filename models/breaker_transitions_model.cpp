#include <models/breaker_transitions_model.h>
#include <models/breakers_model.h>

#include <QColor>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

#include <algorithm>

namespace ToolCapture {

namespace {

constexpr int kColumnCount = int(BreakerTransitionsModel::Column::Count);
// A history item and a streamed one may be the same transition: compare with this many of the
// newest rows.
constexpr int kDuplicateWindow = 32;

} // namespace

BreakerTransitionsModel::BreakerTransitionsModel(QObject *parent, int cap)
    : QAbstractTableModel(parent)
    , m_cap(std::max(1, cap)) {
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(kFlushInterval);
    connect(&m_flushTimer, &QTimer::timeout, this, &BreakerTransitionsModel::flush);
}

void BreakerTransitionsModel::apply(const FeedMessage &message) {
    if (message.subject == QLatin1String("transitions") && message.append)
        appendBatch(message.json);
    else if (message.subject == QLatin1String("breakers") && !message.append)
        seedFromBreakers(message.json);
}

void BreakerTransitionsModel::appendBatch(const QByteArray &jsonArray) {
    const QJsonDocument document = QJsonDocument::fromJson(jsonArray);
    if (document.isArray())
        enqueue(document.array());
}

void BreakerTransitionsModel::seedFromBreakers(const QByteArray &json) {
    if (m_seen)
        return;
    const QJsonDocument document = QJsonDocument::fromJson(json);
    const QJsonValue history = document.object().value(QLatin1String("recent_transitions"));
    if (history.isArray())
        enqueue(history.toArray());
    m_seen = true;
}

void BreakerTransitionsModel::enqueue(const QJsonArray &items) {
    for (const QJsonValue &item : items) {
        Row row;
        row.at = QDateTime::fromString(item[QLatin1String("at")].toString(), Qt::ISODateWithMs);
        row.instance = item[QLatin1String("instance")].toString();
        row.from = item[QLatin1String("from")].toString();
        row.to = item[QLatin1String("to")].toString();
        row.cause = item[QLatin1String("cause")].toString();
        if (row.instance.isEmpty() || isKnown(row))
            continue;
        m_pending.push_back(std::move(row));
    }
    m_seen = true;
    if (!m_pending.empty() && !m_flushTimer.isActive())
        m_flushTimer.start();
}

bool BreakerTransitionsModel::isKnown(const Row &row) const {
    const auto pending = std::find(m_pending.rbegin(), m_pending.rend(), row);
    if (pending != m_pending.rend())
        return true;
    const auto from =
        m_rows.size() > size_t(kDuplicateWindow) ? m_rows.end() - kDuplicateWindow : m_rows.begin();
    return std::find(from, m_rows.end(), row) != m_rows.end();
}

void BreakerTransitionsModel::flush() {
    m_flushTimer.stop();
    if (m_pending.empty())
        return;
    // Only the newest cap() of the queue can stay.
    if (m_pending.size() > size_t(m_cap))
        m_pending.erase(m_pending.begin(), m_pending.end() - m_cap);
    const int incoming = int(m_pending.size());
    const int overflow = int(m_rows.size()) + incoming - m_cap;
    if (overflow > 0) {
        const int removed = std::min(overflow, int(m_rows.size()));
        beginRemoveRows({}, 0, removed - 1);
        m_rows.erase(m_rows.begin(), m_rows.begin() + removed);
        endRemoveRows();
    }
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + incoming - 1);
    m_rows.insert(m_rows.end(), std::make_move_iterator(m_pending.begin()),
                  std::make_move_iterator(m_pending.end()));
    m_pending.clear();
    endInsertRows();
}

void BreakerTransitionsModel::clear() {
    m_flushTimer.stop();
    beginResetModel();
    m_rows.clear();
    m_pending.clear();
    endResetModel();
}

int BreakerTransitionsModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int BreakerTransitionsModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : kColumnCount;
}

QVariant BreakerTransitionsModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Row &row = m_rows[size_t(index.row())];
    const auto column = Column(index.column());
    switch (role) {
    case StateRole:
        return row.to;
    case InstanceRole:
        return row.instance;
    case Qt::ForegroundRole:
        // State colours are mid tones: as text they read on light and dark backgrounds alike.
        return column == Column::To ? QVariant(BreakersModel::stateColor(row.to).lighter(115))
                                    : QVariant();
    case Qt::ToolTipRole:
        return column == Column::Time
                   ? QLocale().toString(row.at.toLocalTime(), QLocale::LongFormat)
                   : QVariant();
    case Qt::DisplayRole:
        switch (column) {
        case Column::Time:
            return QLocale().toString(row.at.toLocalTime().time(), QStringLiteral("HH:mm:ss.zzz"));
        case Column::Instance:
            return row.instance;
        case Column::From:
            return BreakersModel::stateLabel(row.from);
        case Column::To:
            return BreakersModel::stateLabel(row.to);
        case Column::Cause:
            return row.cause;
        case Column::Count:
            break;
        }
        return {};
    default:
        return {};
    }
}

QVariant BreakerTransitionsModel::headerData(int section, Qt::Orientation orientation,
                                             int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Column::Time:
        return tr("Time");
    case Column::Instance:
        return tr("Instance");
    case Column::From:
        return tr("From");
    case Column::To:
        return tr("To");
    case Column::Cause:
        return tr("Cause");
    case Column::Count:
        break;
    }
    return {};
}

} // namespace ToolCapture

#include <models/patterns_model.h>
#include <models/strict_json.h>

#include <QDateTime>
#include <QLocale>

#include <algorithm>

namespace ToolCapture {

namespace {

const QStringList kWindows{QStringLiteral("1m"), QStringLiteral("5m"), QStringLiteral("1h")};
const QStringList kDirections{QStringLiteral("rising"), QStringLiteral("steady"),
                              QStringLiteral("falling")};
const QStringList kKinds{QStringLiteral("latency"), QStringLiteral("error_rate"),
                         QStringLiteral("load_imbalance"), QStringLiteral("failure_risk")};

QString milliseconds(double ms) {
    return PatternsModel::tr("%1 ms").arg(QLocale().toString(ms, 'f', ms < 10 ? 2 : 1));
}

QString percent(double ratio) {
    return PatternsModel::tr("%1 %").arg(QLocale().toString(ratio * 100, 'f', 1));
}

// "21:00:03" in local time, or the text as sent when it is not a time.
QString clock(const QString &iso) {
    const QDateTime at = QDateTime::fromString(iso, Qt::ISODateWithMs);
    return at.isValid() ? QLocale().toString(at.toLocalTime().time(), QStringLiteral("HH:mm:ss"))
                        : iso;
}

} // namespace

PatternsModel::PatternsModel(QObject *parent)
    : QAbstractTableModel(parent) {}

bool PatternsModel::setDocument(const QByteArray &json) {
    StrictJson reader;
    const QJsonObject document = reader.document(json);
    const QString window = reader.oneOf(document, QStringLiteral("window"), {}, kWindows);
    const QString generatedAt = reader.string(document, QStringLiteral("generated_at"), {});
    const double ingested = reader.number(document, QStringLiteral("events_ingested"), {});
    const QJsonArray operations = reader.array(document, QStringLiteral("operations"), {});
    std::vector<Operation> rows;
    rows.reserve(size_t(operations.size()));
    for (qsizetype i = 0; reader.ok() && i < operations.size(); ++i) {
        const QString path = StrictJson::indexed(QStringLiteral("operations"), i);
        const QJsonObject o = reader.element(operations.at(i), path);
        Operation op;
        op.service = reader.string(o, QStringLiteral("service"), path);
        op.operation = reader.string(o, QStringLiteral("operation"), path);
        op.requests = qint64(reader.number(o, QStringLiteral("requests"), path));
        op.errors = qint64(reader.number(o, QStringLiteral("errors"), path));
        op.errorRate = reader.number(o, QStringLiteral("error_rate"), path, 0.0, 1.0);
        op.cacheHitRatio = reader.optionalNumber(o, QStringLiteral("cache_hit_ratio"), path);
        const QString latencyPath = StrictJson::join(path, QStringLiteral("latency_ms"));
        const QJsonObject latency = reader.object(o, QStringLiteral("latency_ms"), path);
        op.p50 = reader.number(latency, QStringLiteral("p50"), latencyPath);
        op.p95 = reader.number(latency, QStringLiteral("p95"), latencyPath);
        op.p99 = reader.number(latency, QStringLiteral("p99"), latencyPath);
        op.max = reader.number(latency, QStringLiteral("max"), latencyPath);
        const QString trendPath = StrictJson::join(path, QStringLiteral("trend"));
        const QJsonObject trend = reader.object(o, QStringLiteral("trend"), path);
        op.latencyEwmaMs = reader.number(trend, QStringLiteral("latency_ewma_ms"), trendPath);
        op.direction = reader.oneOf(trend, QStringLiteral("direction"), trendPath, kDirections);
        op.anomalous = reader.boolean(o, QStringLiteral("anomalous"), path);
        rows.push_back(std::move(op));
    }
    if (!reader.ok()) {
        m_error = reader.error();
        return false;
    }
    m_error.clear();
    const bool sameRows =
        std::equal(rows.begin(), rows.end(), m_rows.begin(), m_rows.end(),
                   [](const Operation &a, const Operation &b) {
                       return a.service == b.service && a.operation == b.operation;
                   });
    // A periodic read of the same operations changes the cells only: the selection stays.
    if (!sameRows || rows.empty())
        beginResetModel();
    m_rows = std::move(rows);
    m_window = window;
    m_generatedAt = generatedAt;
    m_eventsIngested = qint64(ingested);
    m_maxP99 = 0;
    for (const Operation &op : m_rows)
        m_maxP99 = std::max(m_maxP99, op.p99);
    if (!sameRows || m_rows.empty())
        endResetModel();
    else
        emit dataChanged(index(0, 0), index(rowCount() - 1, int(Column::Count) - 1));
    return true;
}

int PatternsModel::anomalousCount() const {
    return int(std::count_if(m_rows.begin(), m_rows.end(),
                             [](const Operation &op) { return op.anomalous; }));
}

QString PatternsModel::directionLabel(const QString &direction) {
    if (direction == u"rising")
        return tr("↑ rising");
    if (direction == u"falling")
        return tr("↓ falling");
    if (direction == u"steady")
        return tr("→ steady");
    return direction;
}

int PatternsModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int PatternsModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(Column::Count);
}

QVariant PatternsModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= int(m_rows.size()))
        return {};
    const Operation &op = m_rows[size_t(index.row())];
    const Column column = Column(index.column());
    if (role == AnomalousRole)
        return op.anomalous;
    if (role == FractionRole) {
        if (column != Column::P99)
            return {};
        return m_maxP99 > 0 ? op.p99 / m_maxP99 : 0.0;
    }
    if (role == ValueRole) {
        switch (column) {
        case Column::Service:
            return op.service;
        case Column::Operation:
            return op.operation;
        case Column::Requests:
            return op.requests;
        case Column::ErrorRate:
            return op.errorRate;
        case Column::CacheHitRatio:
            return op.cacheHitRatio ? QVariant(*op.cacheHitRatio) : QVariant(-1.0);
        case Column::P50:
            return op.p50;
        case Column::P95:
            return op.p95;
        case Column::P99:
            return op.p99;
        case Column::Trend:
            return op.direction;
        case Column::Anomalous:
            return op.anomalous;
        case Column::Count:
            break;
        }
        return {};
    }
    if (role == Qt::TextAlignmentRole) {
        const bool text = column == Column::Service || column == Column::Operation ||
                          column == Column::Trend || column == Column::Anomalous;
        return QVariant::fromValue(text ? Qt::AlignLeft | Qt::AlignVCenter
                                        : Qt::AlignRight | Qt::AlignVCenter);
    }
    if (role == Qt::ToolTipRole) {
        if (column == Column::Trend)
            return tr("Latency EWMA %1").arg(milliseconds(op.latencyEwmaMs));
        if (column == Column::P99 || column == Column::P95 || column == Column::P50)
            return tr("max %1").arg(milliseconds(op.max));
        if (column == Column::ErrorRate)
            return tr("%n error(s)", nullptr, int(op.errors));
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (column) {
    case Column::Service:
        return op.service;
    case Column::Operation:
        return op.operation;
    case Column::Requests:
        return QLocale().toString(op.requests);
    case Column::ErrorRate:
        return percent(op.errorRate);
    case Column::CacheHitRatio:
        return op.cacheHitRatio ? percent(*op.cacheHitRatio) : tr("–");
    case Column::P50:
        return milliseconds(op.p50);
    case Column::P95:
        return milliseconds(op.p95);
    case Column::P99:
        return milliseconds(op.p99);
    case Column::Trend:
        return directionLabel(op.direction);
    case Column::Anomalous:
        return op.anomalous ? tr("anomalous") : QString();
    case Column::Count:
        break;
    }
    return {};
}

QVariant PatternsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Column::Service:
        return tr("Service");
    case Column::Operation:
        return tr("Operation");
    case Column::Requests:
        return tr("Requests");
    case Column::ErrorRate:
        return tr("Errors");
    case Column::CacheHitRatio:
        return tr("Cache hits");
    case Column::P50:
        return tr("p50");
    case Column::P95:
        return tr("p95");
    case Column::P99:
        return tr("p99");
    case Column::Trend:
        return tr("Trend");
    case Column::Anomalous:
        return tr("Anomaly");
    case Column::Count:
        break;
    }
    return {};
}

AnomaliesModel::AnomaliesModel(QObject *parent)
    : QAbstractTableModel(parent) {}

bool AnomaliesModel::setDocument(const QByteArray &json) {
    StrictJson reader;
    const QJsonObject document = reader.document(json);
    const QJsonArray anomalies = reader.array(document, QStringLiteral("anomalies"), {});
    std::vector<Anomaly> rows;
    for (qsizetype i = 0; reader.ok() && i < anomalies.size(); ++i) {
        const QString path = StrictJson::indexed(QStringLiteral("anomalies"), i);
        const QJsonObject a = reader.element(anomalies.at(i), path);
        Anomaly row;
        row.id = reader.string(a, QStringLiteral("id"), path);
        row.kind = reader.oneOf(a, QStringLiteral("kind"), path, kKinds);
        row.service = reader.string(a, QStringLiteral("service"), path);
        row.instance = reader.optionalString(a, QStringLiteral("instance"), path);
        row.operation = reader.optionalString(a, QStringLiteral("operation"), path);
        row.value = reader.number(a, QStringLiteral("value"), path);
        row.baseline = reader.number(a, QStringLiteral("baseline"), path);
        row.score = reader.number(a, QStringLiteral("score"), path);
        row.detectedAt = reader.string(a, QStringLiteral("detected_at"), path);
        row.lastSeen = reader.string(a, QStringLiteral("last_seen"), path);
        row.active = reader.boolean(a, QStringLiteral("active"), path);
        row.detail = reader.string(a, QStringLiteral("detail"), path);
        rows.push_back(std::move(row));
    }
    if (!reader.ok()) {
        m_error = reader.error();
        return false;
    }
    m_error.clear();
    // The newest first.
    std::stable_sort(rows.begin(), rows.end(), [](const Anomaly &a, const Anomaly &b) {
        return a.detectedAt > b.detectedAt;
    });
    const bool sameRows =
        std::equal(rows.begin(), rows.end(), m_rows.begin(), m_rows.end(),
                   [](const Anomaly &a, const Anomaly &b) { return a.id == b.id; });
    if (sameRows && !rows.empty()) {
        m_rows = std::move(rows);
        emit dataChanged(index(0, 0), index(rowCount() - 1, int(Column::Count) - 1));
        return true;
    }
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
    return true;
}

QString AnomaliesModel::kindLabel(const QString &kind) {
    if (kind == u"latency")
        return tr("Latency");
    if (kind == u"error_rate")
        return tr("Error rate");
    if (kind == u"load_imbalance")
        return tr("Load imbalance");
    if (kind == u"failure_risk")
        return tr("Failure risk");
    return kind;
}

int AnomaliesModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int AnomaliesModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(Column::Count);
}

QVariant AnomaliesModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= int(m_rows.size()))
        return {};
    const Anomaly &a = m_rows[size_t(index.row())];
    const Column column = Column(index.column());
    const QLocale locale;
    QStringList where{a.service};
    if (!a.instance.isEmpty())
        where << a.instance;
    if (!a.operation.isEmpty())
        where << a.operation;
    if (role == ValueRole) {
        switch (column) {
        case Column::DetectedAt:
            return a.detectedAt;
        case Column::Kind:
            return a.kind;
        case Column::Target:
            return where.join(QStringLiteral(" / "));
        case Column::Value:
            return a.value;
        case Column::Baseline:
            return a.baseline;
        case Column::Score:
            return a.score;
        case Column::Active:
            return a.active;
        case Column::Detail:
            return a.detail;
        case Column::Count:
            break;
        }
        return {};
    }
    if (role == Qt::ToolTipRole)
        return tr("%1\nlast seen %2").arg(a.detail, a.lastSeen);
    if (role != Qt::DisplayRole)
        return {};
    switch (column) {
    case Column::DetectedAt:
        return clock(a.detectedAt);
    case Column::Kind:
        return kindLabel(a.kind);
    case Column::Target:
        return where.join(QStringLiteral(" / "));
    case Column::Value:
        return locale.toString(a.value, 'g', 4);
    case Column::Baseline:
        return locale.toString(a.baseline, 'g', 4);
    case Column::Score:
        return locale.toString(a.score, 'f', 1);
    case Column::Active:
        return a.active ? tr("active") : tr("over");
    case Column::Detail:
        return a.detail;
    case Column::Count:
        break;
    }
    return {};
}

QVariant AnomaliesModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Column::DetectedAt:
        return tr("Detected");
    case Column::Kind:
        return tr("Kind");
    case Column::Target:
        return tr("Where");
    case Column::Value:
        return tr("Value");
    case Column::Baseline:
        return tr("Baseline");
    case Column::Score:
        return tr("Score");
    case Column::Active:
        return tr("State");
    case Column::Detail:
        return tr("Detail");
    case Column::Count:
        break;
    }
    return {};
}

} // namespace ToolCapture

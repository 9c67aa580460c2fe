#include <models/breakers_model.h>

#include <QColor>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

#include <utility>

namespace ToolCapture {

namespace {

constexpr int kColumnCount = int(BreakersModel::Column::Count);

QString percent(double rate) {
    return QLocale().toString(rate * 100.0, 'f', 1) + QStringLiteral(" %");
}

QDateTime parseTime(const QJsonValue &value) {
    return value.isString() ? QDateTime::fromString(value.toString(), Qt::ISODateWithMs)
                            : QDateTime();
}

} // namespace

BreakersModel::BreakersModel(QObject *parent)
    : QAbstractTableModel(parent) {}

void BreakersModel::apply(const FeedMessage &message) {
    if (message.subject == QLatin1String("breakers") && !message.append)
        applyDocument(message.json);
}

bool BreakersModel::applyDocument(const QByteArray &json) {
    const QJsonDocument document = QJsonDocument::fromJson(json);
    if (!document.isObject() || !document.object().value(QLatin1String("breakers")).isArray())
        return false;
    std::vector<Row> rows;
    for (const QJsonValue &value : document.object().value(QLatin1String("breakers")).toArray()) {
        const QJsonObject b = value.toObject();
        const QJsonObject window = b.value(QLatin1String("window")).toObject();
        const QJsonObject threshold = b.value(QLatin1String("threshold")).toObject();
        Row row;
        row.instance = b.value(QLatin1String("instance")).toString();
        row.service = b.value(QLatin1String("service")).toString();
        row.state = b.value(QLatin1String("state")).toString();
        row.mode = b.value(QLatin1String("mode")).toString();
        row.calls = window.value(QLatin1String("calls")).toInt();
        row.failures = window.value(QLatin1String("failures")).toInt();
        row.slowCalls = window.value(QLatin1String("slow_calls")).toInt();
        row.minimumCalls = window.value(QLatin1String("minimum_calls")).toInt();
        row.failureRate = window.value(QLatin1String("failure_rate")).toDouble();
        row.slowCallRate = window.value(QLatin1String("slow_call_rate")).toDouble();
        row.failureThreshold = threshold.value(QLatin1String("failure_rate")).toDouble();
        row.thresholdExplanation = threshold.value(QLatin1String("explanation")).toString();
        row.slowCallThreshold = threshold.value(QLatin1String("slow_call_rate")).toDouble(1.0);
        row.slowCallDurationMs =
            threshold.value(QLatin1String("slow_call_duration_ms")).toInteger();
        row.openUntil = parseTime(b.value(QLatin1String("open_until")));
        row.consecutiveTrips = b.value(QLatin1String("consecutive_trips")).toInt();
        const QJsonArray transitions = b.value(QLatin1String("recent_transitions")).toArray();
        if (!transitions.isEmpty())
            row.cause = transitions.last()[QLatin1String("cause")].toString();
        for (const QJsonValue &outcome : b.value(QLatin1String("story")).toArray()) {
            row.story.push_back({outcome[QLatin1String("kind")].toString(),
                                 outcome[QLatin1String("failure")].toBool(),
                                 outcome[QLatin1String("slow")].toBool(),
                                 outcome[QLatin1String("duration_ms")].toInteger(),
                                 parseTime(outcome[QLatin1String("at")])});
        }
        rows.push_back(std::move(row));
    }

    bool sameInstances = rows.size() == m_rows.size();
    for (size_t i = 0; sameInstances && i < rows.size(); ++i)
        sameInstances = rows[i].instance == m_rows[i].instance;
    if (!sameInstances) {
        beginResetModel();
        m_rows = std::move(rows);
        endResetModel();
        return true;
    }
    int first = -1;
    int last = -1;
    for (size_t i = 0; i < rows.size(); ++i) {
        if (!(rows[i] == m_rows[i])) {
            first = first < 0 ? int(i) : first;
            last = int(i);
        }
    }
    m_rows = std::move(rows);
    if (first >= 0)
        emit dataChanged(index(first, 0), index(last, kColumnCount - 1));
    return true;
}

int BreakersModel::rowOf(const QString &instanceId) const {
    for (size_t i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].instance == instanceId)
            return int(i);
    }
    return -1;
}

int BreakersModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int BreakersModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : kColumnCount;
}

QColor BreakersModel::stateColor(const QString &state) {
    // Saturated mid tones: white text reads on each, and each stands out on dark and light.
    if (state == QLatin1String("closed"))
        return QColor(0x2e, 0x7d, 0x32); // green
    if (state == QLatin1String("open") || state == QLatin1String("forced_open"))
        return QColor(0xc6, 0x28, 0x28); // red
    if (state == QLatin1String("half_open"))
        return QColor(0xb2, 0x6a, 0x00); // amber
    if (state == QLatin1String("forced_closed"))
        return QColor(0x1e, 0x5a, 0xa8); // blue
    if (state == QLatin1String("disabled"))
        return QColor(0x61, 0x61, 0x61); // grey
    return QColor(0x61, 0x61, 0x61);
}

QString BreakersModel::stateLabel(const QString &state) {
    if (state == QLatin1String("closed"))
        return tr("Closed");
    if (state == QLatin1String("open"))
        return tr("Open");
    if (state == QLatin1String("half_open"))
        return tr("Half-open");
    if (state == QLatin1String("forced_open"))
        return tr("Forced open");
    if (state == QLatin1String("forced_closed"))
        return tr("Forced closed");
    if (state == QLatin1String("disabled"))
        return tr("Disabled");
    return state;
}

QString BreakersModel::modeLabel(const QString &mode) {
    if (mode == QLatin1String("auto"))
        return tr("Auto");
    if (mode == QLatin1String("force_open") || mode == QLatin1String("forced_open"))
        return tr("Forced open");
    if (mode == QLatin1String("force_closed") || mode == QLatin1String("forced_closed"))
        return tr("Forced closed");
    if (mode == QLatin1String("disabled") || mode == QLatin1String("disable"))
        return tr("Disabled");
    return mode;
}

QString BreakersModel::storyText(const Row &row) const {
    QStringList lines;
    if (!row.thresholdExplanation.isEmpty())
        lines.append(tr("Failure-rate threshold: %1").arg(row.thresholdExplanation));
    if (row.slowCallThreshold < 1.0) {
        lines.append(tr("Slow-call threshold: %1 of calls slower than %2 ms")
                         .arg(percent(row.slowCallThreshold))
                         .arg(row.slowCallDurationMs));
    }
    lines.append(tr("Rates count from %n call(s) in the window.", nullptr, row.minimumCalls));
    if (!row.cause.isEmpty())
        lines.append(tr("Last transition: %1").arg(row.cause));
    for (const Outcome &outcome : row.story) {
        // The breaker counts whole milliseconds: a call under one is not "0 ms".
        const QString duration = outcome.durationMs > 0
                                     ? tr("%1 ms").arg(QLocale().toString(outcome.durationMs))
                                     : tr("< 1 ms");
        QString line = QStringLiteral("%1  %2  %3")
                           .arg(QLocale().toString(outcome.at.toLocalTime().time(),
                                                   QStringLiteral("HH:mm:ss.zzz")),
                                outcome.kind, duration);
        if (outcome.failure)
            line += tr("  failure");
        if (outcome.slow)
            line += tr("  slow");
        lines.append(line);
    }
    return lines.join(u'\n');
}

QVariant BreakersModel::display(const Row &row, Column column) const {
    switch (column) {
    case Column::Instance:
        return row.instance;
    case Column::Service:
        return row.service;
    case Column::State:
        return stateLabel(row.state);
    case Column::Mode:
        return modeLabel(row.mode);
    case Column::FailureRate:
        return tr("%1 of %2").arg(percent(row.failureRate), percent(row.failureThreshold));
    case Column::SlowCallRate:
        return row.slowCallThreshold >= 1.0
                   ? tr("%1 (no limit)").arg(percent(row.slowCallRate))
                   : tr("%1 of %2").arg(percent(row.slowCallRate), percent(row.slowCallThreshold));
    case Column::Calls:
        return QLocale().toString(row.calls);
    case Column::Failures:
        return QLocale().toString(row.failures);
    case Column::SlowCalls:
        return QLocale().toString(row.slowCalls);
    case Column::OpenUntil:
        return row.openUntil.isValid()
                   ? QLocale().toString(row.openUntil.toLocalTime().time(), QLocale::LongFormat)
                   : QVariant();
    case Column::Cause:
        return row.cause;
    case Column::Count:
        break;
    }
    return {};
}

QVariant BreakersModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Row &row = m_rows[size_t(index.row())];
    const auto column = Column(index.column());
    switch (role) {
    case Qt::DisplayRole:
        return display(row, column);
    case StateRole:
        return row.state;
    case ModeRole:
        return row.mode;
    case InstanceRole:
        return row.instance;
    case StoryRole:
        return storyText(row);
    case Qt::DecorationRole:
        // Stays visible on a selected row, where the selection hides the background.
        return column == Column::State ? QVariant(stateColor(row.state)) : QVariant();
    case Qt::BackgroundRole:
        return column == Column::State ? QVariant(stateColor(row.state)) : QVariant();
    case Qt::ForegroundRole:
        return column == Column::State ? QVariant(QColor(Qt::white)) : QVariant();
    case Qt::ToolTipRole:
        if (column == Column::FailureRate)
            return row.thresholdExplanation;
        if (column == Column::Cause || column == Column::State)
            return storyText(row);
        return {};
    case ValueRole:
        switch (column) {
        case Column::FailureRate:
            return row.failureRate;
        case Column::SlowCallRate:
            return row.slowCallRate;
        case Column::Calls:
            return row.calls;
        case Column::Failures:
            return row.failures;
        case Column::SlowCalls:
            return row.slowCalls;
        case Column::OpenUntil:
            return row.openUntil;
        case Column::State:
            return row.state;
        case Column::Mode:
            return row.mode;
        default:
            return display(row, column);
        }
    default:
        return {};
    }
}

QVariant BreakersModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Column::Instance:
        return tr("Instance");
    case Column::Service:
        return tr("Service");
    case Column::State:
        return tr("State");
    case Column::Mode:
        return tr("Mode");
    case Column::FailureRate:
        return tr("Failure rate");
    case Column::SlowCallRate:
        return tr("Slow-call rate");
    case Column::Calls:
        return tr("Calls");
    case Column::Failures:
        return tr("Failures");
    case Column::SlowCalls:
        return tr("Slow");
    case Column::OpenUntil:
        return tr("Open until");
    case Column::Cause:
        return tr("Last transition");
    case Column::Count:
        break;
    }
    return {};
}

} // namespace ToolCapture

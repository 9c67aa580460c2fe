#include <models/recommendations_model.h>
#include <models/strict_json.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

#include <algorithm>

namespace ToolCapture {

namespace {

const QStringList kPriorities{QStringLiteral("high"), QStringLiteral("medium"),
                              QStringLiteral("low")};
const QStringList kStatuses{QStringLiteral("open"), QStringLiteral("applied"),
                            QStringLiteral("dismissed"), QStringLiteral("reverted"),
                            QStringLiteral("expired")};
const QStringList kVerdicts{QStringLiteral("measuring"), QStringLiteral("improved"),
                            QStringLiteral("unchanged"), QStringLiteral("worse")};

std::optional<RecommendationRow> read(StrictJson &json, const QJsonObject &r, const QString &path) {
    RecommendationRow out;
    out.id = json.string(r, QStringLiteral("id"), path);
    out.type = json.string(r, QStringLiteral("type"), path);
    out.service = json.string(r, QStringLiteral("service"), path);
    out.instance = json.optionalString(r, QStringLiteral("instance"), path);
    out.operation = json.optionalString(r, QStringLiteral("operation"), path);
    out.title = json.string(r, QStringLiteral("title"), path);
    out.priority = json.oneOf(r, QStringLiteral("priority"), path, kPriorities);
    out.confidence = json.number(r, QStringLiteral("confidence"), path, 0.0, 1.0);

    const QString impactPath = StrictJson::join(path, QStringLiteral("expected_impact"));
    const QJsonObject impact = json.object(r, QStringLiteral("expected_impact"), path);
    out.impactMetric = json.string(impact, QStringLiteral("metric"), impactPath);
    out.impactFrom = json.optionalNumber(impact, QStringLiteral("from"), impactPath);
    out.impactTo = json.optionalNumber(impact, QStringLiteral("to"), impactPath);
    out.impactText = json.string(impact, QStringLiteral("text"), impactPath);

    const QString evidencePath = StrictJson::join(path, QStringLiteral("evidence"));
    const QJsonArray evidence = json.array(r, QStringLiteral("evidence"), path);
    for (qsizetype i = 0; json.ok() && i < evidence.size(); ++i) {
        const QString at = StrictJson::indexed(evidencePath, i);
        const QJsonObject e = json.element(evidence.at(i), at);
        out.evidence.append({json.string(e, QStringLiteral("window"), at),
                             json.string(e, QStringLiteral("metric"), at),
                             json.number(e, QStringLiteral("value"), at),
                             json.number(e, QStringLiteral("threshold"), at)});
    }

    const QString changePath = StrictJson::join(path, QStringLiteral("change"));
    const QJsonObject change = json.object(r, QStringLiteral("change"), path);
    out.setting = json.string(change, QStringLiteral("setting"), changePath);
    out.settingService = json.string(change, QStringLiteral("service"), changePath);
    out.before = json.present(change, QStringLiteral("before"), changePath);
    out.after = json.present(change, QStringLiteral("after"), changePath);
    if (const QJsonValue inForce = change.value(QLatin1String("in_force")); inForce.isBool())
        out.changeInForce = inForce.toBool();

    out.status = json.oneOf(r, QStringLiteral("status"), path, kStatuses);
    out.createdAt = json.string(r, QStringLiteral("created_at"), path);
    out.updatedAt = json.string(r, QStringLiteral("updated_at"), path);
    out.appliedAt = json.optionalString(r, QStringLiteral("applied_at"), path);
    out.appliedBy = json.optionalString(r, QStringLiteral("applied_by"), path);
    out.dismissedAt = json.optionalString(r, QStringLiteral("dismissed_at"), path);
    // Members an engine before the expiry and the dismiss's actor did not send: absent is null.
    const auto newer = [&](const QString &key) {
        return r.contains(key) ? json.optionalString(r, key, path) : QString();
    };
    out.dismissedBy = newer(QStringLiteral("dismissed_by"));
    out.dismissReason = newer(QStringLiteral("dismiss_reason"));
    out.expiredAt = newer(QStringLiteral("expired_at"));
    out.autoRevert = json.boolean(r, QStringLiteral("auto_revert"), path);

    const QString effectPath = StrictJson::join(path, QStringLiteral("effect"));
    if (const auto effect = json.optionalObject(r, QStringLiteral("effect"), path)) {
        RecommendationRow::Effect e;
        e.metric = json.string(*effect, QStringLiteral("metric"), effectPath);
        e.before = json.optionalNumber(*effect, QStringLiteral("before"), effectPath);
        e.after = json.optionalNumber(*effect, QStringLiteral("after"), effectPath);
        e.score = json.optionalNumber(*effect, QStringLiteral("score"), effectPath);
        e.verdict = json.oneOf(*effect, QStringLiteral("verdict"), effectPath, kVerdicts);
        if (json.ok() && e.score && (*e.score < -1.0 || *e.score > 1.0))
            json.fail(StrictJson::join(effectPath, QStringLiteral("score")),
                      RecommendationsModel::tr("%1 is outside -1..1").arg(*e.score));
        out.effect = e;
    }
    if (!json.ok())
        return std::nullopt;
    return out;
}

int priorityRank(const QString &priority) {
    const qsizetype rank = kPriorities.indexOf(priority);
    return rank < 0 ? int(kPriorities.size()) : int(rank);
}

// Most urgent first: priority, then confidence, then the newest.
bool before(const RecommendationRow &a, const RecommendationRow &b) {
    if (priorityRank(a.priority) != priorityRank(b.priority))
        return priorityRank(a.priority) < priorityRank(b.priority);
    if (a.confidence != b.confidence)
        return a.confidence > b.confidence;
    return a.createdAt > b.createdAt;
}

} // namespace

std::optional<RecommendationRow> RecommendationRow::fromJson(const QByteArray &json,
                                                             QString *error) {
    StrictJson reader;
    const QJsonObject object = reader.document(json);
    std::optional<RecommendationRow> out;
    if (reader.ok())
        out = read(reader, object, {});
    if (!out && error)
        *error = reader.error();
    return out;
}

QString RecommendationRow::target() const {
    QStringList parts{service};
    if (!instance.isEmpty())
        parts << instance;
    if (!operation.isEmpty())
        parts << operation;
    return parts.join(QStringLiteral(" / "));
}

QString RecommendationRow::valueText(const QJsonValue &value) {
    switch (value.type()) {
    case QJsonValue::Bool:
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double:
        return QLocale::c().toString(value.toDouble(), 'g', 12);
    case QJsonValue::String:
        return value.toString();
    case QJsonValue::Null:
        return QStringLiteral("null");
    default:
        return QString::fromUtf8(
            QJsonDocument::fromVariant(value.toVariant()).toJson(QJsonDocument::Compact));
    }
}

RecommendationsModel::RecommendationsModel(QObject *parent)
    : QAbstractTableModel(parent) {}

bool RecommendationsModel::setDocument(const QByteArray &json) {
    StrictJson reader;
    const QJsonObject document = reader.document(json);
    const QJsonArray list = reader.array(document, QStringLiteral("recommendations"), {});
    std::vector<RecommendationRow> rows;
    rows.reserve(size_t(list.size()));
    for (qsizetype i = 0; reader.ok() && i < list.size(); ++i) {
        const QString path = StrictJson::indexed(QStringLiteral("recommendations"), i);
        const QJsonObject object = reader.element(list.at(i), path);
        if (auto recommendation = read(reader, object, path))
            rows.push_back(std::move(*recommendation));
    }
    if (!reader.ok()) {
        m_error = reader.error();
        return false;
    }
    m_error.clear();
    std::stable_sort(rows.begin(), rows.end(), before);
    const bool sameRows = std::equal(
        rows.begin(), rows.end(), m_rows.begin(), m_rows.end(),
        [](const RecommendationRow &a, const RecommendationRow &b) { return a.id == b.id; });
    if (sameRows && !rows.empty()) {
        // A periodic read of the same recommendations: the selection and what the reader
        // scrolled to stay.
        m_rows = std::move(rows);
        emit dataChanged(index(0, 0), index(rowCount() - 1, int(Column::Count) - 1));
        return true;
    }
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
    return true;
}

void RecommendationsModel::update(const RecommendationRow &recommendation) {
    const int row = rowOf(recommendation.id);
    if (row < 0) {
        const auto it = std::upper_bound(m_rows.begin(), m_rows.end(), recommendation, before);
        const int at = int(it - m_rows.begin());
        beginInsertRows({}, at, at);
        m_rows.insert(it, recommendation);
        endInsertRows();
        return;
    }
    m_rows[size_t(row)] = recommendation;
    emit dataChanged(index(row, 0), index(row, int(Column::Count) - 1));
}

int RecommendationsModel::rowOf(const QString &id) const {
    for (size_t i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].id == id)
            return int(i);
    }
    return -1;
}

QString RecommendationsModel::priorityLabel(const QString &priority) {
    if (priority == u"high")
        return tr("High");
    if (priority == u"medium")
        return tr("Medium");
    if (priority == u"low")
        return tr("Low");
    return priority;
}

QString RecommendationsModel::typeLabel(const QString &type) {
    if (type == u"cache_optimization")
        return tr("Cache");
    if (type == u"load_balancing")
        return tr("Load balancing");
    if (type == u"circuit_breaker_tuning")
        return tr("Breaker");
    if (type == u"timeout_tuning")
        return tr("Timeout");
    if (type == u"retry_tuning")
        return tr("Retries");
    if (type == u"capture_sampling")
        return tr("Capture sampling");
    return type; // a type this console does not know yet: as the engine names it
}

QString RecommendationsModel::statusLabel(const QString &status) {
    if (status == u"open")
        return tr("Open");
    if (status == u"applied")
        return tr("Applied");
    if (status == u"dismissed")
        return tr("Dismissed");
    if (status == u"reverted")
        return tr("Reverted");
    if (status == u"expired")
        return tr("Expired");
    return status;
}

QString RecommendationsModel::effectText(const RecommendationRow &r) {
    if (!r.effect)
        return {};
    const RecommendationRow::Effect &e = *r.effect;
    if (e.verdict == u"measuring")
        return r.status == u"applied" && r.changeInForce == false ? tr("not measured")
                                                                  : tr("measuring…");
    QString verdict = e.verdict;
    if (e.verdict == u"improved")
        verdict = tr("improved");
    else if (e.verdict == u"unchanged")
        verdict = tr("unchanged");
    else if (e.verdict == u"worse")
        verdict = tr("worse");
    if (!e.score)
        return verdict;
    return tr("%1 (%2%3)")
        .arg(verdict, *e.score > 0 ? QStringLiteral("+") : QString(),
             QLocale().toString(*e.score, 'f', 2));
}

int RecommendationsModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RecommendationsModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(Column::Count);
}

QVariant RecommendationsModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= int(m_rows.size()))
        return {};
    const RecommendationRow &r = m_rows[size_t(index.row())];
    const Column column = Column(index.column());
    if (role == IdRole)
        return r.id;
    if (role == ValueRole) {
        switch (column) {
        case Column::Priority:
            return priorityRank(r.priority);
        case Column::Type:
            return r.type;
        case Column::Target:
            return r.target();
        case Column::Title:
            return r.title;
        case Column::ExpectedImpact:
            return r.impactText;
        case Column::Confidence:
            return r.confidence;
        case Column::Status:
            return r.status;
        case Column::Effect:
            return r.effect && r.effect->score ? QVariant(*r.effect->score) : QVariant();
        case Column::Count:
            break;
        }
        return {};
    }
    if (role == Qt::ToolTipRole) {
        if (column == Column::Title || column == Column::ExpectedImpact)
            return tr("%1\n%2").arg(r.title, r.impactText);
        if (column == Column::Type)
            return r.type;
        if (column == Column::Status && r.status == u"applied" && r.changeInForce == false)
            return tr("Applied, but the setting has another value now: its change is not in force");
        return {};
    }
    if (role == Qt::TextAlignmentRole && column == Column::Confidence)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (column) {
    case Column::Priority:
        return priorityLabel(r.priority);
    case Column::Type:
        return typeLabel(r.type);
    case Column::Target:
        return r.target();
    case Column::Title:
        return r.title;
    case Column::ExpectedImpact:
        return r.impactText;
    case Column::Confidence:
        return tr("%1 %").arg(QLocale().toString(r.confidence * 100, 'f', 0));
    case Column::Status:
        // Short: the column is narrow; the tooltip and the details say the rest.
        return r.status == u"applied" && r.changeInForce == false ? tr("Not in force")
                                                                  : statusLabel(r.status);
    case Column::Effect:
        return effectText(r);
    case Column::Count:
        break;
    }
    return {};
}

QVariant RecommendationsModel::headerData(int section, Qt::Orientation orientation,
                                          int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Column::Priority:
        return tr("Priority");
    case Column::Type:
        return tr("Type");
    case Column::Target:
        return tr("Service / instance / operation");
    case Column::Title:
        return tr("Recommendation");
    case Column::ExpectedImpact:
        return tr("Expected impact");
    case Column::Confidence:
        return tr("Confidence");
    case Column::Status:
        return tr("Status");
    case Column::Effect:
        return tr("Measured effect");
    case Column::Count:
        break;
    }
    return {};
}

} // namespace ToolCapture

#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <cstdint>
#include <functional>
#include <optional>

namespace ToolCapture {

// Who changed a live setting (docs/intelligence-api.md, "Live settings").
enum class SettingSource { Operator, Recommendation, AutoRevert };

inline QString settingSourceName(SettingSource source) {
    switch (source) {
    case SettingSource::Operator:
        return QStringLiteral("operator");
    case SettingSource::Recommendation:
        return QStringLiteral("recommendation");
    case SettingSource::AutoRevert:
        return QStringLiteral("auto_revert");
    }
    return QStringLiteral("operator");
}

// A change of one live setting of one service: what an operator's PATCH /api/v1/settings and
// an applied (or reverted) recommendation both ask for, through the same path.
struct SettingChangeRequest {
    QString service;
    QString setting; // "retry.max_attempts", ... (the table in docs/intelligence-api.md)
    QJsonValue value;
    QString actor; // "console", "admin-api", "recommendations", ...
    QString reason;
    SettingSource source = SettingSource::Operator;
    QString recommendationId; // set when source is not Operator
    // Compare and set: change the setting only while it still has this value. A recommendation
    // applies its change only to the value it was computed from, and reverts only its own
    // value: what an operator (or a restart) set since is not overwritten.
    std::optional<QJsonValue> expected;
};

// One audited change, with the value before and after.
struct SettingAuditEntry {
    std::uint64_t id = 0;
    QDateTime at; // UTC
    QString actor;
    QString service;
    QString setting;
    QJsonValue before;
    QJsonValue after;
    QString reason;
    SettingSource source = SettingSource::Operator;
    QString recommendationId;

    // The "A" document of docs/intelligence-api.md.
    QJsonObject toJson() const {
        return QJsonObject{
            {QStringLiteral("id"), qint64(id)},
            {QStringLiteral("at"), at.toUTC().toString(Qt::ISODateWithMs)},
            {QStringLiteral("actor"), actor},
            {QStringLiteral("service"), service},
            {QStringLiteral("setting"), setting},
            {QStringLiteral("before"), before},
            {QStringLiteral("after"), after},
            {QStringLiteral("reason"), reason},
            {QStringLiteral("source"), settingSourceName(source)},
            {QStringLiteral("recommendation_id"), recommendationId.isEmpty()
                                                      ? QJsonValue(QJsonValue::Null)
                                                      : QJsonValue(recommendationId)},
        };
    }
};

struct SettingChangeOutcome {
    bool ok = false;
    SettingAuditEntry entry; // when ok
    QString error;           // when not: names the service, setting or value refused and why
    // Not ok because the setting did not have the request's `expected` value: nothing changed,
    // and `current` is the value it has.
    bool conflict = false;
    QJsonValue current;
};

// How the recommendation engine changes a setting: the engine's own path for operator edits.
// Called on the engine thread; it must not call back into the recommendation engine.
using SettingChangePort = std::function<SettingChangeOutcome(const SettingChangeRequest &)>;

} // namespace ToolCapture

#pragma once

#include <QJsonValue>
#include <QList>
#include <QString>

namespace ToolCapture {

// Why a request went to the instance it went to, and why not to the others: the `routing`
// member of a capture record (toJson(RoutingDecision) in the engine), as plain values.
struct RoutingExplanation {
    struct Candidate {
        QString id;
        double score = 0;
        double weight = 0;
        // The four parts of the score, each in [0, 1].
        double performance = 0;
        double reliability = 0;
        double load = 0;
        double compatibility = 0;
        // What the parts were computed from; latencyMs and successRate negative when unknown.
        double latencyMs = -1;
        double successRate = -1;
        qint64 windowCalls = 0;
        qint64 active = 0;
        bool excluded = false;
        QString exclusion; // a key such as "breaker_open"; empty when not excluded
        QString reason;    // the engine's words; may be empty
    };

    QString service;
    QString policy;
    QString chosen;   // empty: no instance was chosen
    QString runnerUp; // empty: none
    QString summary;
    QList<Candidate> candidates;
    QString text; // when the record held text instead of a JSON explanation

    bool isEmpty() const { return candidates.isEmpty() && summary.isEmpty() && text.isEmpty(); }
    const Candidate *candidate(const QString &id) const;

    // From the record's `routing` member: an object, a string, or null (empty explanation).
    static RoutingExplanation fromJson(const QJsonValue &value);
};

} // namespace ToolCapture

#include <models/routing_explanation.h>

#include <QJsonArray>
#include <QJsonObject>

namespace ToolCapture {

namespace {

double number(const QJsonObject &object, QLatin1StringView key, double fallback) {
    const QJsonValue value = object.value(key);
    return value.isDouble() ? value.toDouble() : fallback;
}

} // namespace

const RoutingExplanation::Candidate *RoutingExplanation::candidate(const QString &id) const {
    for (const Candidate &c : candidates) {
        if (c.id == id)
            return &c;
    }
    return nullptr;
}

RoutingExplanation RoutingExplanation::fromJson(const QJsonValue &value) {
    RoutingExplanation e;
    if (value.isString()) {
        e.text = value.toString();
        return e;
    }
    const QJsonObject object = value.toObject();
    e.service = object.value(QLatin1StringView("service")).toString();
    e.policy = object.value(QLatin1StringView("policy")).toString();
    e.chosen = object.value(QLatin1StringView("chosen")).toString();
    e.runnerUp = object.value(QLatin1StringView("runner_up")).toString();
    e.summary = object.value(QLatin1StringView("summary")).toString();
    for (const QJsonValue &item : object.value(QLatin1StringView("candidates")).toArray()) {
        const QJsonObject c = item.toObject();
        Candidate candidate;
        candidate.id = c.value(QLatin1StringView("id")).toString();
        candidate.score = number(c, QLatin1StringView("score"), 0);
        candidate.weight = number(c, QLatin1StringView("weight"), 0);
        const QJsonObject parts = c.value(QLatin1StringView("parts")).toObject();
        candidate.performance = number(parts, QLatin1StringView("performance"), 0);
        candidate.reliability = number(parts, QLatin1StringView("reliability"), 0);
        candidate.load = number(parts, QLatin1StringView("load"), 0);
        candidate.compatibility = number(parts, QLatin1StringView("compatibility"), 0);
        const QJsonObject inputs = c.value(QLatin1StringView("inputs")).toObject();
        candidate.latencyMs = number(inputs, QLatin1StringView("latency_ms"), -1);
        candidate.successRate = number(inputs, QLatin1StringView("success_rate"), -1);
        candidate.windowCalls = qint64(number(inputs, QLatin1StringView("window_calls"), 0));
        candidate.active = qint64(number(inputs, QLatin1StringView("active"), 0));
        candidate.excluded = c.value(QLatin1StringView("excluded")).toBool();
        candidate.exclusion = c.value(QLatin1StringView("exclusion")).toString();
        candidate.reason = c.value(QLatin1StringView("reason")).toString();
        e.candidates.push_back(candidate);
    }
    return e;
}

} // namespace ToolCapture

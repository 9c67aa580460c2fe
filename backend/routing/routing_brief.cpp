#include <backend/routing/routing_brief.h>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace ToolCapture {

namespace {

// "%.2f" without printf, which cost more than the rest of an event's routing explanation.
void appendFixed(std::string &out, double value) {
    if (!std::isfinite(value) || std::fabs(value) >= 1e15) {
        char text[32];
        const int n = std::snprintf(text, sizeof text, "%.2f", value);
        out.append(text, size_t(n > 0 ? n : 0));
        return;
    }
    std::int64_t hundredths = std::llround(value * 100);
    if (hundredths < 0) {
        out.push_back('-');
        hundredths = -hundredths;
    }
    out += std::to_string(hundredths / 100);
    out.push_back('.');
    out.push_back(char('0' + hundredths / 10 % 10));
    out.push_back(char('0' + hundredths % 10));
}

void appendId(std::string &out, const QString &id) {
    for (const QChar c : id) {
        if (c.unicode() < 0x80) {
            out.push_back(char(c.unicode()));
        } else {
            out += id.toStdString(); // rare: ids are configuration names, usually ASCII
            return;
        }
    }
}

nlohmann::json idOrNull(const QString &id) {
    return id.isEmpty() ? nlohmann::json() : nlohmann::json(id.toStdString());
}

nlohmann::json drawnJson(const RoutingBrief::Drawn &d) {
    return {
        {"id", d.id.toStdString()},
        {"score", d.score},
        {"weight", d.weight},
        {"parts",
         {{"performance", d.performance},
          {"reliability", d.reliability},
          {"load", d.load},
          {"compatibility", d.compatibility}}},
        {"inputs",
         {{"latency_ms", d.latencyMs >= 0 ? nlohmann::json(d.latencyMs) : nlohmann::json()},
          {"success_rate", d.successRate >= 0 ? nlohmann::json(d.successRate) : nlohmann::json()},
          {"window_calls", d.windowCalls},
          {"active", d.active}}},
        {"excluded", false},
        {"exclusion", nullptr},
        {"reason", nullptr},
    };
}

} // namespace

const char *policyName(RoutingBrief::Policy policy) {
    switch (policy) {
    case RoutingBrief::Policy::Scoring:
        return "scoring";
    case RoutingBrief::Policy::None:
        break;
    }
    return "";
}

void appendSummary(const RoutingBrief &brief, const QString &service, std::string &out) {
    const RoutingBrief::Drawn &c = brief.chosen;
    if (c.id.isEmpty()) {
        out += "no instance of ";
        appendId(out, service);
        out += " can take the request";
    } else {
        appendId(out, c.id);
        out += " chosen, score ";
        appendFixed(out, c.score);
        out += " (performance ";
        appendFixed(out, c.performance);
        out += ", reliability ";
        appendFixed(out, c.reliability);
        out += ", load ";
        appendFixed(out, c.load);
        out += ", compatibility ";
        appendFixed(out, c.compatibility);
        if (c.weight < 1.0) {
            out += ", slow start \u00d7";
            appendFixed(out, c.weight);
        }
        out += ')';
        if (!brief.runnerUp.id.isEmpty()) {
            out += ", over ";
            appendId(out, brief.runnerUp.id);
            out += " (";
            appendFixed(out, brief.runnerUp.score);
            out +=
                ") in a power-of-two draw among " + std::to_string(brief.available) + " available";
            if (brief.slowStartYielded) {
                out += ", which won on score but is in slow start (\u00d7";
                appendFixed(out, brief.runnerUp.weight);
                out += ')';
            }
        } else {
            out += ", the only one available";
        }
        if (brief.avoided)
            out += ", although it failed an earlier attempt: no other can";
    }
    if (const int excluded = brief.candidates - brief.available; excluded > 0)
        out += "; " + std::to_string(excluded) + " excluded";
}

nlohmann::json toJson(const RoutingBrief &brief, const QString &service) {
    if (brief.isEmpty())
        return nullptr;
    std::string summary;
    appendSummary(brief, service, summary);
    nlohmann::json candidates = nlohmann::json::array();
    for (const RoutingBrief::Drawn *d : {&brief.chosen, &brief.runnerUp}) {
        if (!d->id.isEmpty())
            candidates.push_back(drawnJson(*d));
    }
    return {
        {"policy", policyName(brief.policy)},   {"service", service.toStdString()},
        {"chosen", idOrNull(brief.chosen.id)},  {"runner_up", idOrNull(brief.runnerUp.id)},
        {"summary", std::move(summary)},        {"available", brief.available},
        {"candidates_total", brief.candidates}, {"candidates", std::move(candidates)},
    };
}

nlohmann::json toCompactJson(const RoutingBrief &brief) {
    if (brief.isEmpty())
        return nullptr;
    nlohmann::json candidates = nlohmann::json::array();
    for (const RoutingBrief::Drawn *d : {&brief.chosen, &brief.runnerUp}) {
        if (d->id.isEmpty())
            continue;
        candidates.push_back({{"id", d->id.toStdString()},
                              {"score", d->score},
                              {"parts",
                               {{"performance", d->performance},
                                {"reliability", d->reliability},
                                {"load", d->load},
                                {"compatibility", d->compatibility}}}});
    }
    return {
        {"policy", policyName(brief.policy)},
        {"chosen", idOrNull(brief.chosen.id)},
        {"runner_up", idOrNull(brief.runnerUp.id)},
        {"candidates", std::move(candidates)},
    };
}

} // namespace ToolCapture

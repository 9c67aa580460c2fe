#include <backend/routing/candidate_filter.h>
#include <backend/routing/round_robin_selector.h>
#include <backend/routing/routing_decision.h>
#include <backend/routing/selection_context.h>

#include <algorithm>

namespace ToolCapture {

RoundRobinSelector::RoundRobinSelector(const ServiceRegistry &registry, unsigned seed)
    : m_next(registry.services().size(), seed) {}

UpstreamInstance *RoundRobinSelector::select(const ServiceEntry &service, const RequestHead &,
                                             std::chrono::steady_clock::time_point now) {
    const auto count = unsigned(service.instances.size());
    unsigned &next = m_next[size_t(service.index)];
    for (unsigned tried = 0; tried < count; ++tried) {
        UpstreamInstance *candidate = service.instances[(next + tried) % count];
        if (candidate->isReachable(now)) {
            next = (next + tried + 1) % count;
            return candidate;
        }
    }
    return nullptr;
}

UpstreamInstance *RoundRobinSelector::select(const ServiceEntry &service, const RequestHead &,
                                             std::chrono::steady_clock::time_point now,
                                             const SelectionContext &context,
                                             RoutingDecision *explain) {
    const auto count = unsigned(service.instances.size());
    unsigned &next = m_next[size_t(service.index)];
    auto exclusionOf = [&](const UpstreamInstance &instance) {
        if (context.filter) {
            const Exclusion exclusion = context.filter->check(instance, now).exclusion;
            if (exclusion != Exclusion::None)
                return exclusion;
        }
        return instance.isReachable(now) ? Exclusion::None : Exclusion::Unreachable;
    };
    auto isAvoided = [&](const UpstreamInstance &instance) {
        return std::find(context.avoid.begin(), context.avoid.end(), instance.index()) !=
               context.avoid.end();
    };
    UpstreamInstance *chosen = nullptr;
    // First pass: available and not avoided; second pass: available.
    for (int pass = 0; pass < 2 && !chosen; ++pass) {
        for (unsigned tried = 0; tried < count; ++tried) {
            UpstreamInstance *candidate = service.instances[(next + tried) % count];
            if (exclusionOf(*candidate) == Exclusion::None &&
                (pass == 1 || !isAvoided(*candidate))) {
                next = (next + tried + 1) % count;
                chosen = candidate;
                break;
            }
        }
    }
    if (explain) {
        explain->clear();
        explain->policy = QStringLiteral("round_robin");
        explain->service = service.name;
        for (const UpstreamInstance *instance : service.instances) {
            CandidateScore c;
            c.instanceId = instance->id();
            c.instanceIndex = instance->index();
            c.exclusion = exclusionOf(*instance);
            if (c.exclusion == Exclusion::None && instance != chosen && isAvoided(*instance))
                c.exclusion = Exclusion::Avoided;
            c.excluded = c.exclusion != Exclusion::None;
            c.reason = exclusionText(c.exclusion);
            explain->candidates.append(c);
        }
        if (chosen) {
            explain->chosenId = chosen->id();
            explain->chosenIndex = chosen->index();
            explain->summary = QStringLiteral("%1: next in round-robin order").arg(chosen->id());
        } else {
            explain->summary = QStringLiteral("no instance of %1 is available").arg(service.name);
        }
    }
    return chosen;
}

} // namespace ToolCapture

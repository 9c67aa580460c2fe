#pragma once

#include <backend/config/proxy_config.h>
#include <backend/intelligence/event_analyser.h>
#include <backend/intelligence/path_templater.h>
#include <backend/intelligence/recommendation_engine.h>

#include <memory>

namespace ToolCapture {

// The analyser's options from the configuration: intelligence.path_templates and
// intelligence.anomalies, and each configured service's breaker limits (failure and slow-call
// rates, what counts as slow) as what its instances' failure risk is measured against.
EventAnalyser::Options analyserOptions(const ProxyConfig &config);

// The operators' path templates and literals (intelligence.path_templates, for every service
// and per service) as a templater for the response cache's operation names; null when none
// are configured.
std::shared_ptr<const PathTemplater> operationTemplates(const ProxyConfig &config);

// The recommendation engine's options from the configuration (intelligence.recommendations).
RecommendationEngine::Options recommendationOptions(const ProxyConfig &config);

} // namespace ToolCapture

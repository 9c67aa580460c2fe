#pragma once

#include <backend/config/proxy_config.h>
#include <backend/intelligence/event_analyser.h>
#include <backend/intelligence/recommendation_engine.h>

namespace ToolCapture {

// The analyser's options from the configuration: intelligence.path_templates and
// intelligence.anomalies, and each configured service's breaker limits (failure and slow-call
// rates, what counts as slow) as what its instances' failure risk is measured against.
EventAnalyser::Options analyserOptions(const ProxyConfig &config);

// The recommendation engine's options from the configuration (intelligence.recommendations).
RecommendationEngine::Options recommendationOptions(const ProxyConfig &config);

} // namespace ToolCapture

#include <backend/hooks/execution_insights.h>

#include <algorithm>
#include <iterator>

namespace ToolCapture {

namespace {

// At most `bytes` bytes of UTF-8 text, cut at a code point boundary.
std::string truncatedUtf8(const std::string &text, std::size_t bytes) {
    if (text.size() <= bytes)
        return text;
    std::size_t end = bytes;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
        --end;
    return text.substr(0, end);
}

} // namespace

ExecutionInsights::ExecutionInsights(std::size_t maxOperations)
    : m_maxOperations(std::max<std::size_t>(maxOperations, 1)) {}

ExecutionInsight ExecutionInsights::record(const std::string &service, const std::string &operation,
                                           bool success, const std::optional<std::string> &error,
                                           double executionMs) {
    // Both parts are free text: a separator that JSON strings rarely hold keeps
    // ("a", "b:c") and ("a:b", "c") apart.
    std::string key = service;
    key += '\x1f';
    key += operation;

    auto found = m_index.find(key);
    if (found == m_index.end()) {
        if (m_index.size() >= m_maxOperations) {
            m_index.erase(m_operations.front().key);
            m_operations.pop_front();
        }
        m_operations.push_back(Operation{key, {}, 0, 0, 0});
        found = m_index.emplace(std::move(key), std::prev(m_operations.end())).first;
    } else {
        m_operations.splice(m_operations.end(), m_operations, found->second);
    }
    Operation &op = *found->second;

    Completion completion;
    completion.success = success;
    if (!success && error)
        completion.error = truncatedUtf8(*error, kMaxErrorBytes);
    op.window.push_back(std::move(completion));
    if (op.window.size() > kWindow)
        op.window.pop_front();

    if (op.samples == 0) {
        op.shortEwmaMs = executionMs;
        op.longEwmaMs = executionMs;
    } else {
        op.shortEwmaMs += kShortAlpha * (executionMs - op.shortEwmaMs);
        op.longEwmaMs += kLongAlpha * (executionMs - op.longEwmaMs);
    }
    ++op.samples;
    return insightOf(op);
}

ExecutionInsight ExecutionInsights::insightOf(const Operation &op) const {
    ExecutionInsight insight;
    insight.sampleSize = op.window.size();
    insight.shortEwmaMs = op.shortEwmaMs;
    insight.longEwmaMs = op.longEwmaMs;

    std::size_t successes = 0;
    // Small: at most kWindow failures. Keeps the position of the latest occurrence, so that
    // equally frequent errors list the most recent first.
    struct Tally {
        const std::optional<std::string> *error;
        std::size_t count;
        std::size_t latest;
    };
    std::vector<Tally> tallies;
    for (std::size_t i = 0; i < op.window.size(); ++i) {
        const Completion &completion = op.window[i];
        if (completion.success) {
            ++successes;
            continue;
        }
        const auto same = std::find_if(tallies.begin(), tallies.end(), [&](const Tally &t) {
            return *t.error == completion.error;
        });
        if (same == tallies.end()) {
            tallies.push_back({&completion.error, 1, i});
        } else {
            ++same->count;
            same->latest = i;
        }
    }
    insight.successRate = double(successes) / double(op.window.size());
    std::sort(tallies.begin(), tallies.end(), [](const Tally &a, const Tally &b) {
        return a.count != b.count ? a.count > b.count : a.latest > b.latest;
    });
    for (std::size_t i = 0; i < tallies.size() && i < kMaxPatterns; ++i)
        insight.failurePatterns.push_back({*tallies[i].error, tallies[i].count});

    if (op.samples < kMinTrendSamples) {
        insight.trend = "insufficient_data";
    } else if (op.longEwmaMs <= 0) {
        insight.trend = op.shortEwmaMs > 0 ? "degrading" : "stable";
    } else {
        const double ratio = op.shortEwmaMs / op.longEwmaMs;
        insight.trend = ratio < 1 - kTrendBand   ? "improving"
                        : ratio > 1 + kTrendBand ? "degrading"
                                                 : "stable";
    }
    return insight;
}

} // namespace ToolCapture

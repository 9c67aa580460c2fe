#pragma once

namespace ToolCapture {

class RetryBudget;

// The right to run one retry, held for as long as the retry is in flight (Envoy's
// ResourceAutoIncDec). An empty permit means the budget refused the retry. Move-only.
class RetryPermit {
public:
    RetryPermit() = default;
    ~RetryPermit() { release(); }
    RetryPermit(RetryPermit &&other) noexcept
        : m_budget(other.m_budget) {
        other.m_budget = nullptr;
    }
    RetryPermit &operator=(RetryPermit &&other) noexcept;
    RetryPermit(const RetryPermit &) = delete;
    RetryPermit &operator=(const RetryPermit &) = delete;

    bool admitted() const { return m_budget != nullptr; }
    explicit operator bool() const { return admitted(); }

    // Gives the retry slot back before destruction; no-op on an empty permit.
    void release() noexcept;

private:
    friend class RetryBudget;
    explicit RetryPermit(RetryBudget *budget)
        : m_budget(budget) {}

    RetryBudget *m_budget = nullptr;
};

} // namespace ToolCapture

#pragma once

namespace ToolCapture {

class Bulkhead;

// One active slot of a Bulkhead, held while the request runs on the instance (Envoy's
// ResourceAutoIncDec). A rejected permit holds nothing. Move-only.
class BulkheadPermit {
public:
    BulkheadPermit() = default;
    ~BulkheadPermit() { release(); }
    BulkheadPermit(BulkheadPermit &&other) noexcept
        : m_bulkhead(other.m_bulkhead) {
        other.m_bulkhead = nullptr;
    }
    BulkheadPermit &operator=(BulkheadPermit &&other) noexcept;
    BulkheadPermit(const BulkheadPermit &) = delete;
    BulkheadPermit &operator=(const BulkheadPermit &) = delete;

    // Active: the request holds a slot; otherwise it was rejected (or already released).
    bool isActive() const { return m_bulkhead != nullptr; }
    explicit operator bool() const { return isActive(); }

    // Gives the slot back before destruction; no-op on a rejected permit.
    void release() noexcept;

private:
    friend class Bulkhead;
    explicit BulkheadPermit(Bulkhead *bulkhead)
        : m_bulkhead(bulkhead) {}

    Bulkhead *m_bulkhead = nullptr;
};

} // namespace ToolCapture

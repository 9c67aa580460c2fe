#pragma once

#include <atomic>
#include <cstdint>

namespace ToolCapture {

// A counter with one writer thread and any number of readers. The writer's increment is a
// relaxed load and store (no locked read-modify-write); readers see a recent value.
class LocalCounter {
public:
    void add(std::uint64_t n = 1) noexcept {
        m_value.store(m_value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    std::uint64_t value() const noexcept { return m_value.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> m_value{0};
};

// A gauge with one writer thread and any number of readers.
class LocalGauge {
public:
    void add(std::int64_t delta) noexcept {
        m_value.store(m_value.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
    }
    std::int64_t value() const noexcept { return m_value.load(std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t> m_value{0};
};

} // namespace ToolCapture

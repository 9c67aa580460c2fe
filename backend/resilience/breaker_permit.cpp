#include <backend/resilience/breaker_permit.h>
#include <backend/resilience/circuit_breaker.h>

#include <utility>

namespace ToolCapture {

BreakerPermit::~BreakerPermit() {
    abandon();
}

BreakerPermit::BreakerPermit(BreakerPermit &&other) noexcept
    : m_breaker(std::exchange(other.m_breaker, nullptr))
    , m_probeTag(std::exchange(other.m_probeTag, 0))
    , m_probeSlot(std::exchange(other.m_probeSlot, -1)) {}

BreakerPermit &BreakerPermit::operator=(BreakerPermit &&other) noexcept {
    if (this != &other) {
        abandon();
        m_breaker = std::exchange(other.m_breaker, nullptr);
        m_probeTag = std::exchange(other.m_probeTag, 0);
        m_probeSlot = std::exchange(other.m_probeSlot, -1);
    }
    return *this;
}

void BreakerPermit::abandon() noexcept {
    if (m_breaker && m_probeTag != 0)
        m_breaker->record(std::move(*this), CallOutcome{CallOutcome::Kind::Abandoned, {}});
    m_breaker = nullptr;
    m_probeTag = 0;
    m_probeSlot = -1;
}

} // namespace ToolCapture

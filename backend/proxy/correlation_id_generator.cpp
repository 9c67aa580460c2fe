#include <backend/core/uuid.h>
#include <backend/proxy/correlation_id_generator.h>

#include <QRandomGenerator>

#include <chrono>

namespace ToolCapture {

CorrelationIdGenerator::CorrelationIdGenerator()
    : m_engine(QRandomGenerator::system()->generate64()) {}

QByteArray CorrelationIdGenerator::next(std::int64_t unixMillis) {
    QByteArray id(36, Qt::Uninitialized);
    const std::uint64_t randomA = m_engine();
    formatUuidV7(unixMillis, randomA, m_engine(), id.data());
    return id;
}

QByteArray CorrelationIdGenerator::next() {
    using namespace std::chrono;
    return next(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

} // namespace ToolCapture

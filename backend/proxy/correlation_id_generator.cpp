#include <backend/core/uuid.h>
#include <backend/proxy/correlation_id_generator.h>

#include <QRandomGenerator>

namespace ToolCapture {

CorrelationIdGenerator::CorrelationIdGenerator()
    : m_engine(QRandomGenerator::system()->generate64()) {}

QByteArray CorrelationIdGenerator::next() {
    QByteArray id(36, Qt::Uninitialized);
    const std::uint64_t hi = m_engine();
    formatUuidV4(hi, m_engine(), id.data());
    return id;
}

} // namespace ToolCapture

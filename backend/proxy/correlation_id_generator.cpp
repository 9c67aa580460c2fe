#include <backend/core/uuid.h>
#include <backend/proxy/correlation_id_generator.h>

#include <QRandomGenerator>

#include <chrono>

namespace ToolCapture {

CorrelationIdGenerator::CorrelationIdGenerator()
    : m_engine(QRandomGenerator::system()->generate64()) {}

namespace {
std::int64_t nowUnixMillis() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}
} // namespace

void CorrelationIdGenerator::write(std::int64_t unixMillis, char *out) {
    const std::uint64_t randomA = m_engine();
    formatUuidV7(unixMillis, randomA, m_engine(), out);
}

QByteArray CorrelationIdGenerator::next(std::int64_t unixMillis) {
    QByteArray id(36, Qt::Uninitialized);
    write(unixMillis, id.data());
    return id;
}

QByteArray CorrelationIdGenerator::next() {
    return next(nowUnixMillis());
}

void CorrelationIdGenerator::next(QByteArray &id) {
    if (!id.isDetached())
        id = QByteArray(); // shared or read-only: a buffer of its own, once
    id.resize(36);         // within the kept capacity: no allocation
    write(nowUnixMillis(), id.data());
}

} // namespace ToolCapture

#include <backend/core/uuid.h>

#include <QRandomGenerator>

#include <chrono>
#include <random>

namespace ToolCapture::Uuid {

QByteArray newV7() {
    thread_local std::mt19937_64 engine(QRandomGenerator::system()->generate64());
    using namespace std::chrono;
    const std::int64_t millis =
        duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    QByteArray id(36, Qt::Uninitialized);
    const std::uint64_t randomA = engine();
    formatUuidV7(millis, randomA, engine(), id.data());
    return id;
}

} // namespace ToolCapture::Uuid

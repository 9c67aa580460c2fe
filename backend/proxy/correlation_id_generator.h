#pragma once

#include <QByteArray>

#include <random>

namespace ToolCapture {

// Random (version 4) UUIDs for correlation ids, from a per-worker generator: no lock and no
// system call per request.
class CorrelationIdGenerator {
public:
    CorrelationIdGenerator();
    // "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lower-case hex.
    QByteArray next();

private:
    std::mt19937_64 m_engine;
};

} // namespace ToolCapture

#pragma once

#include <QByteArray>

#include <cstdint>
#include <random>

namespace ToolCapture {

// Time-ordered (version 7) UUIDs for correlation ids, from a per-worker generator: no lock and
// no system call per request. Time-ordered so that the stores' indexes on correlation ids
// (the source documents' idx_communication_intelligence_correlation among them) grow at one
// edge: random ids made every insert touch a random page of the index.
class CorrelationIdGenerator {
public:
    CorrelationIdGenerator();
    // "xxxxxxxx-xxxx-7xxx-yxxx-xxxxxxxxxxxx", lower-case hex, for the given Unix time.
    QByteArray next(std::int64_t unixMillis);
    // The same for now (the system clock, read through the vDSO: no system call).
    QByteArray next();
    // The same, written over `id`: a buffer only `id` holds is reused, so the request path
    // allocates nothing for its correlation id.
    void next(QByteArray &id);

private:
    // The 36 characters of an id at `out`.
    void write(std::int64_t unixMillis, char *out);

    std::mt19937_64 m_engine;
};

} // namespace ToolCapture

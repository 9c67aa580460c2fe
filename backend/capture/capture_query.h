#pragma once

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <optional>

namespace ToolCapture {

// A search of the capture store: every set criterion must hold. Results come newest first
// (highest id first); a page continues from the last id of the previous one through beforeId.
struct CaptureQuery {
    static constexpr int kDefaultLimit = 100;
    static constexpr int kMaxLimit = 1000;

    QByteArray correlationId; // exact; empty: any
    QString service;          // exact; empty: any
    QString instance;         // exact; empty: any
    int status = 0;           // exact; 0: any
    int statusClass = 0;      // 1..5: 1xx..5xx; 0: any
    QByteArray method;        // exact (case-sensitive, as sent); empty: any
    QByteArray pathPrefix;    // the path starts with it; empty: any
    // acceptedAtUs in [fromUs, toUs).
    std::optional<std::int64_t> fromUs;
    std::optional<std::int64_t> toUs;
    std::int64_t beforeId = 0; // only ids below it; 0: from the newest
    int limit = kDefaultLimit; // clamped to [1, kMaxLimit]
};

} // namespace ToolCapture

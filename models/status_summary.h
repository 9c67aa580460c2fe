#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

namespace ToolCapture {

// What the console's status bar shows, read from the feed's "status" document: addresses,
// Kafka bootstrap and state, capture and spool counters, and the request and error rates over
// the interval since the previous document.
struct StatusSummary {
    QString proxyAddress;
    QString adminAddress;
    bool draining = false;
    qint64 uptimeMs = 0;
    quint64 responsesTotal = 0;
    quint64 serverErrorsTotal = 0;
    bool kafkaEnabled = false;
    QString kafkaBrokers;
    bool kafkaEmbedded = false;
    bool kafkaUp = false;
    quint64 spoolPending = 0;
    bool captureEnabled = false;
    quint64 capturesStored = 0;
    quint64 capturesDropped = 0;
    // The intelligence store: where, and whether rows are written or wait in memory.
    bool storeEnabled = false;
    QString storeLocation;
    bool storeConnected = false;
    quint64 storePending = 0;
    quint64 storeDropped = 0;
    QString storeError;
    // Since `previous`; absent on the first document, after an engine restart or without time.
    std::optional<double> requestsPerSecond;
    std::optional<double> errorRate; // server errors per response in the interval, [0, 1]

    // Parses a status document; rates from the difference to `previous` when given. Nothing
    // when `json` is not a status document.
    static std::optional<StatusSummary> fromJson(const QByteArray &json,
                                                 const StatusSummary *previous = nullptr);
};

} // namespace ToolCapture

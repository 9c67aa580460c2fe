#pragma once

#include <backend/config/proxy_config.h>

#include <QObject>
#include <QString>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

class QThread;
class QTimer;

namespace ToolCapture {

class CaptureHeaderFilter;
class CaptureQueue;
class CaptureStore;
class EventSink;
class ProxyEventBuilder;
struct CaptureRecord;

// The capture thread: takes finished exchanges from the workers' queue, completes what the
// workers left to it (path and query, secrets scrubbed from bodies), stores them in the
// bounded capture store and publishes their three events. Everything slow about capture
// happens here, on a thread of its own, in batches.
class CapturePipeline {
public:
    struct Stats {
        std::uint64_t queued = 0;        // handed over by the workers
        std::uint64_t dropped = 0;       // the queue was full: not captured
        std::uint64_t stored = 0;        // written to the capture store
        std::uint64_t storeFailures = 0; // records a failed store write lost
        std::uint64_t published = 0;     // events handed to the event sink
        std::uint64_t batches = 0;
        std::uint64_t sampledOut =
            0; // left out by capture.sample_rate: neither stored nor published
    };

    // `sink` may be null (no events); it must outlive the pipeline.
    CapturePipeline(const CaptureConfig &config, int lanes, EventSink *sink);
    ~CapturePipeline();
    CapturePipeline(const CapturePipeline &) = delete;
    CapturePipeline &operator=(const CapturePipeline &) = delete;

    // Called in the capture thread after each batch is stored, with the records (ids set).
    // Set before start(); it must be cheap when nobody wants the batch (the console feed).
    using StoredHook = std::function<void(const std::vector<CaptureRecord> &batch)>;
    void setStoredHook(StoredHook hook) { m_storedHook = std::move(hook); }

    // Opens the store (in the capture thread) and starts draining. False with the reason when
    // the store cannot be opened.
    bool start(QString *error = nullptr);
    // Drains what is queued, closes the store and stops the thread.
    void stop();

    CaptureQueue &queue() { return *m_queue; }
    const CaptureHeaderFilter &filter() const { return *m_filter; }
    QString storePath() const { return m_storePath; }
    Stats stats() const;

    // Live setting (the owner's thread): the share of `service`'s exchanges captured, applied
    // by the capture thread from its next batch on (queued to it). sampling() is what was last
    // set, or the configuration's.
    void setSampleRate(const QString &service, double rate);
    CaptureSampling sampling(const QString &service) const;

    // When the capture thread takes the next batch: kDrainPeriod after a drain that found
    // exchanges, and after drains that found none twice the last wait, up to kIdleDrainPeriod.
    // Short drains keep each batch's burst of work short (20 ms batches at 40k exchanges/s held
    // a core for several ms at a time and added 1.5-2 ms to the proxy's p99 on 2 cores); an idle
    // proxy still wakes only 10 times a second. Exchanges that arrive after an idle spell wait
    // at most kIdleDrainPeriod for their events.
    static constexpr std::chrono::milliseconds kDrainPeriod{5};
    static constexpr std::chrono::milliseconds kIdleDrainPeriod{100};
    static std::chrono::milliseconds nextDrainWait(std::chrono::milliseconds last, bool foundWork);

private:
    class Worker;

    CaptureConfig m_config; // the owner's thread, but for what the capture thread reads at open
    QString m_storePath;
    std::unique_ptr<CaptureQueue> m_queue;
    std::unique_ptr<CaptureHeaderFilter> m_filter;
    EventSink *m_sink;
    StoredHook m_storedHook;
    QThread *m_thread = nullptr;
    Worker *m_worker = nullptr; // lives in m_thread
    std::atomic<std::uint64_t> m_stored{0};
    std::atomic<std::uint64_t> m_storeFailures{0};
    std::atomic<std::uint64_t> m_published{0};
    std::atomic<std::uint64_t> m_batches{0};
    std::atomic<std::uint64_t> m_sampledOut{0};
    bool m_sampled = false; // some rate is below 1: the capture thread samples
};

} // namespace ToolCapture

#pragma once

#include <backend/capture/capture_header_filter.h>
#include <backend/capture/capture_record.h>

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QUrl>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

namespace ToolCapture {

// Where a replay goes: an instance directly, or the proxy's own listen address to be routed
// as any request.
struct ReplayTarget {
    QUrl baseUrl;             // http://host:port, with an optional path prefix
    QByteArray targetService; // sent as X-Target-Service when not empty
};

// Changes to the captured request.
struct ReplayEdits {
    // In order: set the field (replacing every field of that name), or remove it (nullopt).
    std::vector<std::pair<QByteArray, std::optional<QByteArray>>> headers;
    std::optional<QByteArray> body; // replaces the captured body
};

struct ReplayResult {
    // Why there is no response.
    enum class Failure {
        None,
        InvalidRequest, // a bad target or header edit: nothing was sent
        NotReplayable,  // the body was not kept and no edit supplied one: nothing was sent
        Busy,           // Options::maxConcurrent replays were running: nothing was sent
        Connection,     // the target could not be reached or dropped the connection
        Timeout,        // no complete response within Options::timeout
        BadResponse,    // the response was malformed
    };

    bool ok = false;
    Failure failure = Failure::None;
    QString error; // what went wrong, when !ok
    int status = 0;
    // As received, with the values of Authorization, Proxy-Authorization, Cookie and
    // Set-Cookie redacted, as a capture would have them.
    std::vector<CapturedHeader> headers;
    QByteArray body; // up to Options::maxResponseBodyBytes
    bool bodyTruncated = false;
    qint64 durationUs = 0;    // from the start of the replay to the last response byte
    QByteArray correlationId; // the response's X-Correlation-ID (set by the proxy)
    nlohmann::json diff;      // diffResponses(captured response, this one); null when !ok
    std::vector<QByteArray> droppedHeaders; // redacted at capture and not supplied by an edit
};

// Sends a captured request again, as it was or edited, over its own HTTP/1.1 connection, and
// compares the answer with the captured one. The request carries the captured method, path,
// query and non-redacted headers (see replayHeaders()), Host for the target,
// X-ToolCapture-Replay-Of with the original correlation id, and Connection: close. A record
// whose body was not kept is refused unless the edits supply one. Lives in the admin/engine
// thread; `done` is always called later from the event loop, never inside replay(), and not at
// all for replays still running when the Replayer is destroyed.
class Replayer : public QObject {
    Q_OBJECT
public:
    struct Options {
        std::chrono::milliseconds timeout{30000}; // from the start to the last response byte
        qint64 maxResponseBodyBytes = qint64(1) << 20;
        int maxConcurrent = 16; // replays in flight; past it one is refused
    };

    explicit Replayer(QObject *parent = nullptr);
    explicit Replayer(Options options, QObject *parent = nullptr);
    ~Replayer() override;

    // The capture allowlist: the replayed response's fields outside it are left out of the diff
    // (the captured response never had them). Without one every field is compared.
    void setHeaderFilter(std::optional<CaptureHeaderFilter> filter);

    void replay(const CaptureRecord &record, const ReplayTarget &target, const ReplayEdits &edits,
                std::function<void(ReplayResult)> done);

    int pending() const;

private:
    class Call;
    void fail(std::function<void(ReplayResult)> done, ReplayResult::Failure failure, QString error);

    Options m_options;
    std::optional<CaptureHeaderFilter> m_filter;
    int m_pending = 0;
};

} // namespace ToolCapture

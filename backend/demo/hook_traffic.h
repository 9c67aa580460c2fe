#pragma once

#include <QDateTime>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QJsonObject>
#include <QMap>
#include <QObject>
#include <QRandomGenerator>
#include <QSet>
#include <QStringList>
#include <QUuid>

#include <chrono>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

namespace ToolCapture {

// How one demo service behaves when its tool is called; defined with the generator.
struct HookTrafficProfile;

// Plays the demo services' side of the hook receiver: registers a tool and reports the start of
// each service, then sends paced pre/post hook pairs around simulated executions and, now and
// then, a health change, so the hook topics carry traffic in demo mode.
// Lives in the thread that created it (the engine thread).
class HookTrafficGenerator : public QObject {
    Q_OBJECT
public:
    struct Options {
        QHostAddress address; // the admin listener (any-address: loopback)
        quint16 port = 0;     // the admin listener
        QByteArray apiKey;    // one of hooks.api_keys
        double executionsPerSecond = 2.0;
        QStringList services; // the demo's service names
        std::chrono::milliseconds healthChangeInterval{30000};
        int maxInFlight = 64;        // executions at once; more paced slots are skipped
        quint64 maxExecutions = 0;   // paced since construction; 0: no limit
        std::optional<quint32> seed; // none: a random one
        std::chrono::milliseconds requestTimeout{10000};
    };

    struct Stats {
        quint64 sent = 0;     // requests sent
        quint64 accepted = 0; // answered 2xx
        quint64 rejected = 0; // answered with another status
        quint64 failed = 0;   // not answered: refused, reset, timed out
        QMap<int, quint64> statusCounts;
        quint64 executionsStarted = 0;
        quint64 executionsCompleted = 0; // both hooks accepted
        quint64 executionsFailed = 0;    // a hook rejected or unanswered
        quint64 executionsSkipped = 0;   // paced slots dropped at maxInFlight
        quint64 healthChanges = 0;       // health change reports sent
    };

    explicit HookTrafficGenerator(Options options, QObject *parent = nullptr);
    ~HookTrafficGenerator() override;

    // Registers the tools and reports the services started, then paces executions once those
    // requests are answered.
    void start();
    // Stops pacing and drops executions and requests in flight (they count as neither
    // completed nor failed).
    void stop();
    bool isRunning() const { return m_running; }

    Stats stats() const { return m_stats; }

signals:
    // NOTE: one signal per execution, for tests; fine at demo rates.
    void executionFinished(bool completed);

private:
    using Profile = HookTrafficProfile;
    struct Execution {
        QUuid correlationId;
        const Profile *profile = nullptr;
        bool success = true;
        QJsonObject parameters;  // as the pre hook reported them
        QDateTime started;       // the pre hook's timestamp
        QElapsedTimer elapsed;   // since then
        QTimer *timer = nullptr; // the simulated execution time; owned
    };
    using Reply = std::function<void(bool accepted)>;

    void onTick();
    void startExecution();
    void finishExecution(quint64 id);
    void endExecution(quint64 id, bool completed);
    void sendStartup();
    void sendHealthChange();
    void post(const char *path, const QJsonObject &body, Reply done);
    void onReply(QNetworkReply *reply, const Reply &done);
    void reportRejection(QByteArrayView path, int status, const QByteArray &body);

    QJsonObject serviceInfo(int serviceIndex) const;
    QJsonObject parameters(const Profile &profile);
    // A result consistent with the parameters.
    QJsonObject output(const Profile &profile, const QJsonObject &parameters);

    Options m_options;
    QRandomGenerator m_random;
    std::vector<const Profile *> m_profiles; // per service in m_options.services
    std::vector<bool> m_degraded;            // per service
    QNetworkAccessManager *m_network = nullptr;
    QTimer *m_ticker = nullptr;
    QTimer *m_healthTimer = nullptr;
    QElapsedTimer m_clock;
    quint64 m_slots = 0;
    bool m_running = false;
    int m_startupPending = 0;

    quint64 m_nextExecution = 0;
    std::unordered_map<quint64, Execution> m_executions;
    std::vector<QNetworkReply *> m_replies; // in flight
    QSet<QString> m_reported;               // "path status" already logged
    Stats m_stats;
};

} // namespace ToolCapture

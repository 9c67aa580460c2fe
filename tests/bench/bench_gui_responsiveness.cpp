// The console under load: an embedded demo engine, wrk against its proxy as fast as it can
// (127.0.0.1, bounded time), the Requests and Topics views open and live. Measures how late a
// 16 ms timer in the GUI thread fires (p50, p99, max) and the resident memory over time, and
// prints the figures. Not a CTest test: run it by hand (tests/bench/README.md).

#include <app/console_session.h>
#include <app/engine_host.h>
#include <app/main_window.h>
#include <models/topic_tail_model.h>
#include <tests/support/process_stats.h>
#include <widgets/topics_view.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QProcess>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace ToolCapture;

namespace {

double percentile(std::vector<double> values, double p) {
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    const size_t index = std::min(values.size() - 1, size_t(p * double(values.size() - 1) + 0.5));
    return values[index];
}

double mib(qint64 bytes) {
    return double(bytes) / (1024.0 * 1024.0);
}

// The value of one sample of the Prometheus text `metrics` ("name{labels} value"), or -1.
double metric(const QByteArray &metrics, const QByteArray &sample) {
    const qsizetype at = metrics.indexOf("\n" + sample + ' ');
    if (at < 0)
        return -1;
    const qsizetype start = at + 1 + sample.size() + 1;
    const qsizetype end = metrics.indexOf('\n', start);
    return metrics.mid(start, end < 0 ? -1 : end - start).trimmed().toDouble();
}

} // namespace

int main(int argc, char **argv) {
    if (qEnvironmentVariableIsEmpty("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("toolcapture-bench"));
    QCoreApplication::setOrganizationName(QStringLiteral("ToolCapture"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "GUI responsiveness under load: wrk against the embedded proxy, Requests and Topics "
        "views live; prints the lateness of a 16 ms GUI timer and resident memory."));
    parser.addHelpOption();
    const QCommandLineOption seconds(QStringLiteral("seconds"),
                                     QStringLiteral("Load duration (default 30)."),
                                     QStringLiteral("n"), QStringLiteral("30"));
    const QCommandLineOption connections(QStringLiteral("connections"),
                                         QStringLiteral("wrk connections (default 32)."),
                                         QStringLiteral("n"), QStringLiteral("32"));
    const QCommandLineOption threads(QStringLiteral("threads"),
                                     QStringLiteral("wrk threads (default 1)."),
                                     QStringLiteral("n"), QStringLiteral("1"));
    const QCommandLineOption workers(QStringLiteral("workers"),
                                     QStringLiteral("Proxy workers (default 1)."),
                                     QStringLiteral("n"), QStringLiteral("1"));
    const QCommandLineOption path(QStringLiteral("path"),
                                  QStringLiteral("Request target (default /catalog/products)."),
                                  QStringLiteral("target"), QStringLiteral("/catalog/products"));
    const QCommandLineOption partitions(
        QStringLiteral("partitions"),
        QStringLiteral("Partitions per topic of the embedded Kafka cluster (default: the "
                       "configuration's default)."),
        QStringLiteral("n"), QString::number(KafkaConfig{}.partitions));
    parser.addOptions({seconds, connections, threads, workers, path, partitions});
    parser.process(app);
    const int loadSeconds = std::clamp(parser.value(seconds).toInt(), 1, 600);

    QTemporaryDir dir;
    if (!dir.isValid())
        return 1;
    ProxyConfig config;
    config.listen.port = 0;
    config.admin.port = 0;
    config.workers = std::max(1, parser.value(workers).toInt());
    config.timeouts.drain = std::chrono::milliseconds(500);
    config.kafka.spoolDir = dir.path() + QStringLiteral("/spool");
    config.kafka.partitions = std::clamp(parser.value(partitions).toInt(), 1, 256);
    config.capture.storePath = dir.path() + QStringLiteral("/captures.sqlite");

    MainWindow window;
    ConsoleSession session(&window, Engine::Options{true, 25.0});
    window.resize(1400, 860);
    window.show();
    TopicsView *topics = window.topicsView();
    topics->setCurrentTopic(QStringLiteral("proxy.response_intelligence"));

    QTextStream out(stdout);
    std::vector<double> lateMs; // per tick of the 16 ms timer, during the load
    struct MemorySample {
        double atS;
        qint64 bytes;
        qint64 heapBytes; // in use by the allocator's callers (live data)
    };
    std::vector<MemorySample> memory;
    // Where events wait in the engine, by second: handed to the Kafka producer and not yet
    // acknowledged, and exchanges queued for the capture thread and not yet stored.
    std::vector<std::pair<double, double>> backlog;
    QElapsedTimer clock;
    QElapsedTimer sinceTick;
    bool loading = false;

    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    tick.setInterval(16);
    QObject::connect(&tick, &QTimer::timeout, &app, [&] {
        const double elapsed = double(sinceTick.nsecsElapsed()) / 1e6;
        sinceTick.restart();
        if (loading)
            lateMs.push_back(std::max(0.0, elapsed - 16.0));
    });
    QTimer sampler;
    sampler.setInterval(1000);
    QObject::connect(&sampler, &QTimer::timeout, &app, [&] {
        memory.push_back({double(clock.elapsed()) / 1000.0, residentBytes(), heapInUseBytes()});
        FeedRequest request;
        request.target = "/metrics";
        session.engineHost()->feed()->request(request, &app, [&](const FeedResponse &response) {
            const QByteArray &m = response.body;
            backlog.emplace_back(metric(m, "toolcapture_events_total{outcome=\"produced\"}") -
                                     metric(m, "toolcapture_events_total{outcome=\"delivered\"}"),
                                 metric(m, "toolcapture_captures_total{outcome=\"queued\"}") -
                                     metric(m, "toolcapture_captures_total{outcome=\"stored\"}"));
        });
    });
    // Both views live and painted: the current tab alternates between them.
    QTimer alternate;
    alternate.setInterval(2000);
    QObject::connect(&alternate, &QTimer::timeout, &app, [&] {
        QWidget *requests = window.findChild<QWidget *>(QStringLiteral("requestsView"));
        QWidget *next = window.tabs()->currentWidget() == topics && requests ? requests : topics;
        window.tabs()->setCurrentWidget(next);
    });

    QProcess wrk;
    wrk.setProcessChannelMode(QProcess::MergedChannels);
    QObject::connect(&wrk, &QProcess::finished, &app, [&] {
        loading = false;
        tick.stop();
        sampler.stop();
        alternate.stop();
        const QByteArray wrkOutput = wrk.readAll();
        out << "wrk:\n" << wrkOutput << '\n';
        out << "GUI timer (16 ms) lateness over " << lateMs.size() << " ticks in " << loadSeconds
            << " s of load:\n";
        out << QStringLiteral("  p50 %1 ms  p99 %2 ms  max %3 ms\n")
                   .arg(percentile(lateMs, 0.50), 0, 'f', 2)
                   .arg(percentile(lateMs, 0.99), 0, 'f', 2)
                   .arg(percentile(lateMs, 1.0), 0, 'f', 2);
        out << "resident memory (MiB) by second:\n ";
        for (const MemorySample &sample : memory)
            out << QStringLiteral(" %1").arg(mib(sample.bytes), 0, 'f', 1);
        out << "\nheap in use (MiB) by second:\n ";
        for (const MemorySample &sample : memory)
            out << QStringLiteral(" %1").arg(mib(sample.heapBytes), 0, 'f', 1);
        out << "\nevents produced and not yet acknowledged by Kafka, by second:\n ";
        for (const auto &[events, captures] : backlog)
            out << ' ' << qint64(events);
        out << "\nexchanges queued for the capture store, by second:\n ";
        for (const auto &[events, captures] : backlog)
            out << ' ' << qint64(captures);
        out << '\n';
        if (memory.size() >= 4) {
            const size_t half = memory.size() / 2;
            out << QStringLiteral("  first half max %1 MiB, second half max %2 MiB\n")
                       .arg(mib(std::max_element(memory.begin(), memory.begin() + half,
                                                 [](auto a, auto b) { return a.bytes < b.bytes; })
                                    ->bytes),
                            0, 'f', 1)
                       .arg(mib(std::max_element(memory.begin() + half, memory.end(),
                                                 [](auto a, auto b) { return a.bytes < b.bytes; })
                                    ->bytes),
                            0, 'f', 1);
        }
        out << "topic tail rows: " << topics->model()->rowCount() << '\n';
        out.flush();
        QApplication::closeAllWindows();
    });

    session.startEmbedded(config);
    QObject::connect(
        session.engineHost(), &EngineHost::started, &app,
        [&](const QString &proxyAddress, const QString &) {
            topics->setFrom(TopicTailPoller::From::End);
            // A few seconds of demo traffic first, so the views have something before the load.
            QTimer::singleShot(3000, &app, [&, proxyAddress] {
                const QString url =
                    QStringLiteral("http://%1%2").arg(proxyAddress, parser.value(path));
                out << "wrk against " << url << " for " << loadSeconds << " s\n";
                out.flush();
                clock.start();
                sinceTick.start();
                loading = true;
                tick.start();
                sampler.start();
                alternate.start();
                memory.push_back({0.0, residentBytes(), heapInUseBytes()});
                wrk.start(QStringLiteral("wrk"),
                          {QStringLiteral("-t%1").arg(parser.value(threads)),
                           QStringLiteral("-c%1").arg(parser.value(connections)),
                           QStringLiteral("-d%1s").arg(loadSeconds), QStringLiteral("--latency"),
                           url});
            });
        });
    QObject::connect(session.engineHost(), &EngineHost::startFailed, &app,
                     [&](const QString &error) {
                         out << "engine failed to start: " << error << '\n';
                         QCoreApplication::exit(1);
                     });
    QObject::connect(&wrk, &QProcess::errorOccurred, &app, [&](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart) {
            out << "wrk did not start (is it installed?)\n";
            QCoreApplication::exit(1);
        }
    });
    return app.exec();
}

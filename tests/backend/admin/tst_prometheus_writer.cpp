#include <backend/admin/prometheus_writer.h>

#include <QTest>

#include <array>
#include <cmath>
#include <limits>

using namespace ToolCapture;

using Type = PrometheusWriter::Type;

class TestPrometheusWriter : public QObject {
    Q_OBJECT

private slots:
    void counterFamily();
    void gaugeWithoutLabels();
    void familyWithoutSamples();
    void escapeLabelValue_data();
    void escapeLabelValue();
    void escapeHelp();
    void formatValue_data();
    void formatValue();
    void histogramBucketsAreCumulative();
    void histogramWithoutLabels();
};

void TestPrometheusWriter::counterFamily() {
    PrometheusWriter writer;
    writer.family("requests_total", Type::Counter, "Requests seen.");
    writer.sample({{"service", "inventory"}, {"code_class", "2xx"}}, std::uint64_t(42));
    writer.sample({{"service", "orders"}, {"code_class", "5xx"}}, std::uint64_t(0));
    QCOMPARE(writer.text(),
             QByteArray("# HELP requests_total Requests seen.\n"
                        "# TYPE requests_total counter\n"
                        "requests_total{service=\"inventory\",code_class=\"2xx\"} 42\n"
                        "requests_total{service=\"orders\",code_class=\"5xx\"} 0\n"));
}

void TestPrometheusWriter::gaugeWithoutLabels() {
    PrometheusWriter writer;
    writer.family("connections", Type::Gauge, "Open connections.");
    writer.sample({}, std::int64_t(-3));
    writer.family("uptime_seconds", Type::Gauge, "Uptime.");
    writer.sample({}, 12.5);
    QCOMPARE(writer.take(), QByteArray("# HELP connections Open connections.\n"
                                       "# TYPE connections gauge\n"
                                       "connections -3\n"
                                       "# HELP uptime_seconds Uptime.\n"
                                       "# TYPE uptime_seconds gauge\n"
                                       "uptime_seconds 12.5\n"));
    QVERIFY(writer.text().isEmpty());
}

void TestPrometheusWriter::familyWithoutSamples() {
    PrometheusWriter writer;
    writer.family("errors_total", Type::Counter, "None yet.");
    QCOMPARE(writer.text(),
             QByteArray("# HELP errors_total None yet.\n# TYPE errors_total counter\n"));
}

void TestPrometheusWriter::escapeLabelValue_data() {
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QByteArray>("escaped");

    QTest::newRow("plain") << QByteArray("inventory-1") << QByteArray("inventory-1");
    QTest::newRow("backslash") << QByteArray("C:\\path") << QByteArray("C:\\\\path");
    QTest::newRow("quote") << QByteArray("say \"hi\"") << QByteArray("say \\\"hi\\\"");
    QTest::newRow("newline") << QByteArray("a\nb") << QByteArray("a\\nb");
    QTest::newRow("all") << QByteArray("\\\"\n") << QByteArray("\\\\\\\"\\n");
    QTest::newRow("utf-8 kept") << QByteArray("caf\xc3\xa9") << QByteArray("caf\xc3\xa9");
}

void TestPrometheusWriter::escapeLabelValue() {
    QFETCH(QByteArray, value);
    QFETCH(QByteArray, escaped);
    QCOMPARE(PrometheusWriter::escapeLabelValue(value), escaped);

    PrometheusWriter writer;
    writer.family("m", Type::Gauge, "h");
    writer.sample({{"l", value}}, std::int64_t(1));
    QVERIFY(writer.text().endsWith("m{l=\"" + escaped + "\"} 1\n"));
}

void TestPrometheusWriter::escapeHelp() {
    QCOMPARE(PrometheusWriter::escapeHelp("a \"quoted\" \\ and\nnext"),
             QByteArray("a \"quoted\" \\\\ and\\nnext"));
    PrometheusWriter writer;
    writer.family("m", Type::Counter, "line one\nline two");
    QVERIFY(writer.text().startsWith("# HELP m line one\\nline two\n# TYPE m counter\n"));
}

void TestPrometheusWriter::formatValue_data() {
    QTest::addColumn<bool>("bound"); // formatBound() (an `le` label), else formatValue()
    QTest::addColumn<double>("value");
    QTest::addColumn<QByteArray>("text");

    QTest::newRow("integer") << false << 3.0 << QByteArray("3");
    QTest::newRow("zero") << false << 0.0 << QByteArray("0");
    QTest::newRow("fraction") << false << 0.25 << QByteArray("0.25");
    QTest::newRow("ms to s") << false << 2.5 / 1000.0 << QByteArray("0.0025");
    QTest::newRow("one third") << false << 1.0 / 3.0 << QByteArray("0.3333333333333333");
    QTest::newRow("small value") << false << 0.1 / 1000.0 << QByteArray("1e-04");
    QTest::newRow("+inf") << false << std::numeric_limits<double>::infinity() << QByteArray("+Inf");
    QTest::newRow("-inf") << false << -std::numeric_limits<double>::infinity()
                          << QByteArray("-Inf");
    QTest::newRow("nan") << false << std::numeric_limits<double>::quiet_NaN() << QByteArray("NaN");
    // Bounds are plain decimals, as rules and dashboards name them.
    QTest::newRow("bound 0.1 ms") << true << 0.1 / 1000.0 << QByteArray("0.0001");
    QTest::newRow("bound 0.5 ms") << true << 0.5 / 1000.0 << QByteArray("0.0005");
    QTest::newRow("bound 0.25 ms") << true << 0.25 / 1000.0 << QByteArray("0.00025");
    QTest::newRow("bound 7.5 ms") << true << 7.5 / 1000.0 << QByteArray("0.0075");
    QTest::newRow("bound 30 s") << true << 30.0 << QByteArray("30");
    QTest::newRow("bound +inf") << true << std::numeric_limits<double>::infinity()
                                << QByteArray("+Inf");
}

void TestPrometheusWriter::formatValue() {
    QFETCH(bool, bound);
    QFETCH(double, value);
    QFETCH(QByteArray, text);
    const QByteArray formatted =
        bound ? PrometheusWriter::formatBound(value) : PrometheusWriter::formatValue(value);
    QCOMPARE(formatted, text);
    if (std::isfinite(value))
        QCOMPARE(formatted.toDouble(), value); // reads back exactly
}

void TestPrometheusWriter::histogramBucketsAreCumulative() {
    const std::array<double, 3> bounds{0.005, 0.05, 0.5};
    const std::array<std::uint64_t, 4> counts{2, 0, 3, 1}; // the last one is above 0.5
    PrometheusWriter writer;
    writer.family("latency_seconds", Type::Histogram, "Latency.");
    writer.histogram({{"service", "a"}}, bounds, counts, 1.75);
    QCOMPARE(writer.text(), QByteArray("# HELP latency_seconds Latency.\n"
                                       "# TYPE latency_seconds histogram\n"
                                       "latency_seconds_bucket{service=\"a\",le=\"0.005\"} 2\n"
                                       "latency_seconds_bucket{service=\"a\",le=\"0.05\"} 2\n"
                                       "latency_seconds_bucket{service=\"a\",le=\"0.5\"} 5\n"
                                       "latency_seconds_bucket{service=\"a\",le=\"+Inf\"} 6\n"
                                       "latency_seconds_sum{service=\"a\"} 1.75\n"
                                       "latency_seconds_count{service=\"a\"} 6\n"));
}

void TestPrometheusWriter::histogramWithoutLabels() {
    const std::array<double, 1> bounds{1};
    const std::array<std::uint64_t, 2> counts{0, 0};
    PrometheusWriter writer;
    writer.family("h", Type::Histogram, "Empty.");
    writer.histogram({}, bounds, counts, 0);
    QCOMPARE(writer.text(), QByteArray("# HELP h Empty.\n"
                                       "# TYPE h histogram\n"
                                       "h_bucket{le=\"1\"} 0\n"
                                       "h_bucket{le=\"+Inf\"} 0\n"
                                       "h_sum 0\n"
                                       "h_count 0\n"));
}

QTEST_GUILESS_MAIN(TestPrometheusWriter)
#include "tst_prometheus_writer.moc"

#include <backend/config/config_syntax.h>
#include <backend/config/pipeline_config_reader.h>

#include <array>

namespace ToolCapture {

namespace {

using namespace std::string_view_literals;

constexpr std::array kKafkaKeys{"brokers"sv,     "embedded_brokers"sv, "partitions"sv,
                                "spool_dir"sv,   "spool_max_bytes"sv,  "message_timeout_ms"sv,
                                "linger_ms"sv,   "compression"sv,      "queue_max_messages"sv,
                                "content_mode"sv};
constexpr std::array kCaptureKeys{
    "enabled"sv,     "headers"sv,         "max_body_bytes"sv,    "max_response_body_bytes"sv,
    "store_path"sv,  "store_max_bytes"sv, "store_max_records"sv, "queue_capacity"sv,
    "sample_rate"sv, "body_sample_rate"sv};
constexpr std::array kServiceCaptureKeys{"sample_rate"sv, "body_sample_rate"sv};
constexpr std::array kHooksKeys{"api_keys"sv, "max_body_bytes"sv, "pending_timeout_ms"sv};
constexpr std::array kCompressions{"none"sv, "gzip"sv, "snappy"sv, "lz4"sv, "zstd"sv};

constexpr qint64 kGiB = qint64(1) << 30;

bool isHeaderToken(const QString &name) {
    // RFC 9110 token characters.
    static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
    for (const QChar c : name) {
        const char16_t u = c.unicode();
        const bool alnum =
            (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9');
        if (!alnum && (u > 127 || kSpecials.find(char(u)) == std::string_view::npos))
            return false;
    }
    return !name.isEmpty();
}

} // namespace

std::optional<QStringList>
PipelineConfigReader::readStringList(const QString &path, const ConfigJson &value, bool lowerCase) {
    if (!m_reader.expectArray(path, value))
        return std::nullopt;
    QStringList list;
    bool ok = true;
    for (std::size_t i = 0; i < value.size(); ++i) {
        const QString elementPath = ConfigReader::elementPath(path, i);
        auto text = m_reader.readString(elementPath, value[i]);
        if (!text) {
            ok = false;
            continue;
        }
        if (lowerCase)
            *text = text->toLower();
        if (text->isEmpty()) {
            m_reader.error(elementPath, QStringLiteral("must not be empty"));
            ok = false;
        } else if (list.contains(*text)) {
            m_reader.error(elementPath,
                           QStringLiteral("duplicate %1").arg(ConfigReader::quoted(*text)));
            ok = false;
        } else {
            list.append(*text);
        }
    }
    if (!ok)
        return std::nullopt;
    return list;
}

void PipelineConfigReader::readKafka(const QString &path, const ConfigJson &value,
                                     KafkaConfig &kafka) {
    m_reader.forEachMember(
        path, value, kKafkaKeys, [&](std::string_view key, const QString &p, const ConfigJson &v) {
            if (key == "brokers") {
                const auto brokers = m_reader.readString(p, v);
                if (!brokers)
                    return;
                const QString error = checkKafkaBrokers(*brokers);
                if (!error.isEmpty()) {
                    m_reader.error(p, error);
                    return;
                }
                QStringList list = brokers->split(QLatin1Char(','));
                for (QString &broker : list)
                    broker = broker.trimmed();
                kafka.brokers = list.join(QLatin1Char(','));
            } else if (key == "embedded_brokers") {
                if (const auto n = m_reader.readInteger(p, v, 1, 9))
                    kafka.embeddedBrokers = int(*n);
            } else if (key == "partitions") {
                if (const auto n = m_reader.readInteger(p, v, 1, 256))
                    kafka.partitions = int(*n);
            } else if (key == "spool_dir") {
                if (const auto dir = m_reader.readString(p, v)) {
                    if (dir->isEmpty())
                        m_reader.error(p, QStringLiteral("must not be empty (leave it out for "
                                                         "the default directory)"));
                    else
                        kafka.spoolDir = *dir;
                }
            } else if (key == "spool_max_bytes") {
                if (const auto n = m_reader.readInteger(p, v, 1 << 20, 1024 * kGiB))
                    kafka.spoolMaxBytes = *n;
            } else if (key == "message_timeout_ms") {
                if (const auto ms = m_reader.readMilliseconds(p, v, 100, ConfigReader::kMaxDayMs))
                    kafka.messageTimeout = *ms;
            } else if (key == "linger_ms") {
                if (const auto ms = m_reader.readMilliseconds(p, v, 0, 10000))
                    kafka.linger = *ms;
            } else if (key == "compression") {
                const auto name = m_reader.readString(p, v);
                if (!name)
                    return;
                for (const std::string_view known : kCompressions) {
                    if (name->toStdString() == known) {
                        kafka.compression = *name;
                        return;
                    }
                }
                m_reader.error(p, QStringLiteral("unknown compression %1 (expected none, gzip, "
                                                 "snappy, lz4 or zstd)")
                                      .arg(ConfigReader::quoted(*name)));
            } else if (key == "queue_max_messages") {
                if (const auto n = m_reader.readInteger(p, v, 1000, 10000000))
                    kafka.queueMaxMessages = int(*n);
            } else if (key == "content_mode") {
                const auto name = m_reader.readString(p, v);
                if (!name)
                    return;
                if (const auto mode = cloudEventsModeFromName(name->toStdString()))
                    kafka.contentMode = *mode;
                else
                    m_reader.error(p, QStringLiteral("unknown content mode %1 (expected binary "
                                                     "or structured)")
                                          .arg(ConfigReader::quoted(*name)));
            }
        });
}

void PipelineConfigReader::readCapture(const QString &path, const ConfigJson &value,
                                       CaptureConfig &capture) {
    m_reader.forEachMember(
        path, value, kCaptureKeys,
        [&](std::string_view key, const QString &p, const ConfigJson &v) {
            if (key == "enabled") {
                if (const auto on = m_reader.readBool(p, v))
                    capture.enabled = *on;
            } else if (key == "headers") {
                const auto list = readStringList(p, v, true);
                if (!list)
                    return;
                for (qsizetype i = 0; i < list->size(); ++i) {
                    if (!isHeaderToken(list->at(i))) {
                        m_reader.error(ConfigReader::elementPath(p, std::size_t(i)),
                                       QStringLiteral("%1 is not a header field name")
                                           .arg(ConfigReader::quoted(list->at(i))));
                        return;
                    }
                }
                capture.headers = *list;
            } else if (key == "max_body_bytes") {
                if (const auto n = m_reader.readInteger(p, v, 0, kGiB))
                    capture.maxBodyBytes = *n;
            } else if (key == "max_response_body_bytes") {
                if (const auto n = m_reader.readInteger(p, v, 0, kGiB))
                    capture.maxResponseBodyBytes = *n;
            } else if (key == "store_path") {
                if (const auto file = m_reader.readString(p, v)) {
                    if (file->isEmpty())
                        m_reader.error(p, QStringLiteral("must not be empty (leave it out for "
                                                         "the default file)"));
                    else
                        capture.storePath = *file;
                }
            } else if (key == "store_max_bytes") {
                if (const auto n = m_reader.readInteger(p, v, 1 << 20, 1024 * kGiB))
                    capture.storeMaxBytes = *n;
            } else if (key == "store_max_records") {
                if (const auto n = m_reader.readInteger(p, v, 1, qint64(1) << 40))
                    capture.storeMaxRecords = *n;
            } else if (key == "queue_capacity") {
                if (const auto n = m_reader.readInteger(p, v, 64, 16 << 20))
                    capture.queueCapacity = int(*n);
            } else {
                readSamplingKey(key, p, v, capture.sampling);
            }
        });
}

void PipelineConfigReader::readSamplingKey(std::string_view key, const QString &path,
                                           const ConfigJson &value, CaptureSampling &sampling) {
    if (key == "sample_rate") {
        if (const auto rate = m_reader.readNumber(path, value, 0.0, 1.0))
            sampling.sampleRate = *rate;
    } else if (key == "body_sample_rate") {
        if (const auto rate = m_reader.readNumber(path, value, 0.0, 1.0))
            sampling.bodySampleRate = *rate;
    }
}

void PipelineConfigReader::readServiceCapture(const QString &path, const ConfigJson &value,
                                              CaptureSampling &sampling) {
    m_reader.forEachMember(path, value, kServiceCaptureKeys,
                           [&](std::string_view key, const QString &p, const ConfigJson &v) {
                               readSamplingKey(key, p, v, sampling);
                           });
}

void PipelineConfigReader::readHooks(const QString &path, const ConfigJson &value,
                                     HooksConfig &hooks) {
    m_reader.forEachMember(
        path, value, kHooksKeys, [&](std::string_view key, const QString &p, const ConfigJson &v) {
            if (key == "api_keys") {
                const auto list = readStringList(p, v, false);
                if (!list)
                    return;
                for (qsizetype i = 0; i < list->size(); ++i) {
                    // An API key guards writes to the event bus: a guessable one is refused.
                    if (list->at(i).size() < 16) {
                        m_reader.error(ConfigReader::elementPath(p, std::size_t(i)),
                                       QStringLiteral("must be at least 16 characters long, "
                                                      "got %1")
                                           .arg(list->at(i).size()));
                        return;
                    }
                }
                hooks.apiKeys = *list;
            } else if (key == "max_body_bytes") {
                if (const auto n = m_reader.readInteger(p, v, 1024, 64 << 20))
                    hooks.maxBodyBytes = *n;
            } else if (key == "pending_timeout_ms") {
                if (const auto ms = m_reader.readMilliseconds(p, v, 1000, ConfigReader::kMaxDayMs))
                    hooks.pendingTimeout = *ms;
            }
        });
}

} // namespace ToolCapture

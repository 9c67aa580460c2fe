#pragma once

#include <QByteArray>

#include <array>
#include <librdkafka/rdkafka.h>

namespace ToolCapture::Testing {

// What a test produces: the value and key are copied (RD_KAFKA_MSG_F_COPY); `headers`, when
// given, belong to librdkafka once the message is accepted and stay the caller's otherwise.
struct TestMessage {
    const char *topic = nullptr;
    int partition = RD_KAFKA_PARTITION_UA;
    QByteArray key; // null: no key; empty: a key of no bytes
    QByteArray value;
    qint64 timestampMs = 0; // 0: the producer's clock
    rd_kafka_headers_t *headers = nullptr;
};

// Produces one message through rd_kafka_produceva (the RD_KAFKA_V_* macros of producev are GNU
// statement expressions, which -Wpedantic rejects). Returns librdkafka's error code.
inline rd_kafka_resp_err_t produceCopy(rd_kafka_t *producer, const TestMessage &message) {
    std::array<rd_kafka_vu_t, 7> fields{};
    size_t count = 0;
    fields[count].vtype = RD_KAFKA_VTYPE_TOPIC;
    fields[count++].u.cstr = message.topic;
    fields[count].vtype = RD_KAFKA_VTYPE_PARTITION;
    fields[count++].u.i32 = message.partition;
    fields[count].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    fields[count++].u.i = RD_KAFKA_MSG_F_COPY;
    fields[count].vtype = RD_KAFKA_VTYPE_KEY;
    fields[count].u.mem.ptr =
        message.key.isNull() ? nullptr : const_cast<char *>(message.key.constData());
    fields[count++].u.mem.size = size_t(message.key.size());
    fields[count].vtype = RD_KAFKA_VTYPE_VALUE;
    fields[count].u.mem.ptr = const_cast<char *>(message.value.constData());
    fields[count++].u.mem.size = size_t(message.value.size());
    fields[count].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
    fields[count++].u.i64 = message.timestampMs;
    if (message.headers) {
        fields[count].vtype = RD_KAFKA_VTYPE_HEADERS;
        fields[count++].u.headers = message.headers;
    }
    rd_kafka_error_t *error = rd_kafka_produceva(producer, fields.data(), count);
    if (!error)
        return RD_KAFKA_RESP_ERR_NO_ERROR;
    const rd_kafka_resp_err_t code = rd_kafka_error_code(error);
    rd_kafka_error_destroy(error);
    return code;
}

} // namespace ToolCapture::Testing

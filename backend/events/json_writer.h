#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QStringView>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace ToolCapture {

// Compact JSON text into one reused buffer, for events written at request rate: no DOM, no
// allocation once the buffer has grown to the largest event. Commas are placed automatically;
// the caller keeps the nesting balanced. Strings are always valid JSON: control characters,
// quotes and backslashes are escaped, bytes that are not UTF-8 become U+FFFD and so do lone
// UTF-16 surrogates.
class JsonWriter {
public:
    void clear();
    // Writing into someone else's buffer: after attach(), what is written goes after the first
    // `length` bytes of `buffer` (whose size may exceed what it holds: the writer's own is
    // grown ahead the same way), until detach() gives the buffer back and says how many bytes
    // it holds then. Meanwhile `buffer` holds the writer's own, which must not be touched.
    // For a caller that collects many documents in one buffer (EventBatch), with no copy.
    void attach(std::string &buffer, std::size_t length) {
        m_buf.swap(buffer);
        m_len = length;
        m_needComma = false;
    }
    std::size_t detach(std::string &buffer) {
        m_buf.swap(buffer);
        const std::size_t length = m_len;
        clear();
        return length;
    }
    const char *data() const { return m_buf.data(); }
    std::size_t size() const { return m_len; }
    std::string_view view() const { return {m_buf.data(), m_len}; }
    QByteArray toByteArray() const { return QByteArray(m_buf.data(), qsizetype(m_len)); }

    void beginObject() {
        open(1);
        put('{');
        m_needComma = false;
    }
    void endObject() {
        ensure(1);
        put('}');
        m_needComma = true;
    }
    void beginArray() {
        open(1);
        put('[');
        m_needComma = false;
    }
    void endArray() {
        ensure(1);
        put(']');
        m_needComma = true;
    }

    // A member name that needs no escaping (a literal of the schema).
    void key(std::string_view name) {
        open(name.size() + 3);
        put('"');
        putRaw(name.data(), name.size());
        put('"');
        put(':');
        m_needComma = false;
    }
    // A member name from data; lowerAscii folds A-Z (HTTP field names).
    void keyEscaped(QByteArrayView name, bool lowerAscii = false);

    void string(QByteArrayView bytes);
    void string(QStringView text);
    // A string, or null when empty.
    void stringOrNull(QByteArrayView bytes);
    void stringOrNull(QStringView text);

    // One string value written in pieces (repeated header fields joined).
    void beginString();
    void stringPart(QByteArrayView bytes);
    void endString();

    void number(std::int64_t value);
    void number(double value); // shortest round-trip form; non-finite values are written null
    // Microseconds as milliseconds with exactly three decimals ("12.345"), or null when negative.
    void millisFromMicros(std::int64_t micros);
    // RFC 3339 UTC with microseconds ("2024-05-01T12:34:56.123456Z").
    void timestamp(std::int64_t unixMicros);
    void boolean(bool value) {
        open(5);
        if (value)
            putRaw("true", 4);
        else
            putRaw("false", 5);
    }
    void null() {
        open(4);
        putRaw("null", 4);
    }
    // A value that is already JSON text; the caller vouches for it.
    void raw(std::string_view json) {
        open(json.size());
        putRaw(json.data(), json.size());
    }

private:
    // Room for `extra` more bytes plus a separating comma, which it writes when one is due.
    void open(std::size_t extra) {
        ensure(extra + 1);
        if (m_needComma)
            put(',');
        m_needComma = true;
    }
    void ensure(std::size_t extra) {
        if (m_len + extra > m_buf.size()) [[unlikely]]
            grow(extra);
    }
    void grow(std::size_t extra);
    void put(char c) { m_buf[m_len++] = c; }
    void putRaw(const char *bytes, std::size_t n) {
        std::memcpy(m_buf.data() + m_len, bytes, n);
        m_len += n;
    }
    void escapeContent(QByteArrayView bytes, bool lowerAscii); // without the quotes
    void escapeUtf16(QStringView text);
    void escapeAscii(unsigned char c); // one character kSpecial marks

    std::string m_buf = std::string(1024, '\0');
    std::size_t m_len = 0;
    bool m_needComma = false;
    std::int64_t m_lastTimestampUs = -1;
    char m_lastTimestamp[27] = {};
};

// RFC 3339 UTC with microseconds, 27 characters, into `out` (at least 27 bytes).
void formatRfc3339Micros(std::int64_t unixMicros, char *out);

} // namespace ToolCapture

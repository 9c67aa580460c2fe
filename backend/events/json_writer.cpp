#include <backend/events/json_writer.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

namespace ToolCapture {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// 1 for the bytes a string cannot copy as they are: controls, '"', '\\', and every non-ASCII
// byte (checked as UTF-8).
constexpr std::array<unsigned char, 256> kSpecial = [] {
    std::array<unsigned char, 256> table{};
    for (int c = 0; c < 256; ++c)
        table[c] = (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) ? 1 : 0;
    return table;
}();

// Length of the valid UTF-8 sequence at `p` (2..4), or 0 when it is not one; `invalidRun` then
// holds the length of its maximal ill-formed prefix (Unicode's "maximal subpart"), at least 1.
int utf8Sequence(const unsigned char *p, const unsigned char *end, int &invalidRun) {
    const unsigned char lead = p[0];
    int length;
    unsigned char low = 0x80, high = 0xBF; // allowed range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0)
            low = 0xA0; // overlong
        else if (lead == 0xED)
            high = 0x9F; // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0)
            low = 0x90; // overlong
        else if (lead == 0xF4)
            high = 0x8F; // above U+10FFFF
    } else {
        invalidRun = 1;
        return 0;
    }
    const std::ptrdiff_t available = end - p;
    for (int i = 1; i < length; ++i) {
        const bool ok = i < available &&
                        (i == 1 ? (p[1] >= low && p[1] <= high) : (p[i] >= 0x80 && p[i] <= 0xBF));
        if (!ok) {
            invalidRun = i;
            return 0;
        }
    }
    return length;
}

} // namespace

void formatRfc3339Micros(std::int64_t unixMicros, char *out) {
    constexpr std::int64_t kMicrosPerDay = 86400LL * 1000000LL;
    constexpr std::int64_t kMaxMicros = 253402300799999999LL; // 9999-12-31T23:59:59.999999Z
    if (unixMicros < 0)
        unixMicros = 0;
    if (unixMicros > kMaxMicros)
        unixMicros = kMaxMicros;
    const std::int64_t days = unixMicros / kMicrosPerDay;
    std::int64_t rest = unixMicros % kMicrosPerDay;
    const int micros = int(rest % 1000000);
    rest /= 1000000;
    const int second = int(rest % 60);
    const int minute = int(rest / 60 % 60);
    const int hour = int(rest / 3600);

    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm, non-negative days).
    const std::int64_t z = days + 719468;
    const std::int64_t era = z / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const int day = int(doy - (153 * mp + 2) / 5 + 1);
    const int month = int(mp < 10 ? mp + 3 : mp - 9);
    const int year = int(yoe + era * 400 + (month <= 2 ? 1 : 0));

    auto digits = [&out](int value, int width, int at) {
        for (int i = width - 1; i >= 0; --i) {
            out[at + i] = char('0' + value % 10);
            value /= 10;
        }
    };
    digits(year, 4, 0);
    out[4] = '-';
    digits(month, 2, 5);
    out[7] = '-';
    digits(day, 2, 8);
    out[10] = 'T';
    digits(hour, 2, 11);
    out[13] = ':';
    digits(minute, 2, 14);
    out[16] = ':';
    digits(second, 2, 17);
    out[19] = '.';
    digits(micros, 6, 20);
    out[26] = 'Z';
}

void JsonWriter::clear() {
    m_len = 0;
    m_needComma = false;
}

void JsonWriter::grow(std::size_t extra) {
    m_buf.resize(std::max(m_buf.size() * 2, m_len + extra));
}

void JsonWriter::keyEscaped(QByteArrayView name, bool lowerAscii) {
    open(std::size_t(name.size()) * 6 + 3);
    put('"');
    escapeContent(name, lowerAscii);
    put('"');
    put(':');
    m_needComma = false;
}

void JsonWriter::escapeContent(QByteArrayView bytes, bool lowerAscii) {
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
    const auto *end = p + bytes.size();
    // Worst case: every byte becomes a six-character \u00XX escape.
    ensure(std::size_t(bytes.size()) * 6);
    while (p < end) {
        const unsigned char *run = p;
        while (p < end && !kSpecial[*p])
            ++p;
        if (p > run) {
            if (lowerAscii) {
                for (const unsigned char *q = run; q < p; ++q)
                    put(char((*q >= 'A' && *q <= 'Z') ? *q + ('a' - 'A') : *q));
            } else {
                putRaw(reinterpret_cast<const char *>(run), std::size_t(p - run));
            }
        }
        if (p == end)
            break;
        const unsigned char c = *p;
        if (c >= 0x80) {
            int invalidRun = 1;
            const int length = utf8Sequence(p, end, invalidRun);
            if (length > 0) {
                putRaw(reinterpret_cast<const char *>(p), std::size_t(length));
                p += length;
            } else {
                putRaw("\xEF\xBF\xBD", 3);
                p += invalidRun;
            }
            continue;
        }
        escapeAscii(c);
        ++p;
    }
}

// The escape of an ASCII character that JSON does not allow as is (kSpecial): the two-character
// forms where JSON has one, \u00XX for the other control characters.
void JsonWriter::escapeAscii(unsigned char c) {
    put('\\');
    switch (c) {
    case '"':
        put('"');
        break;
    case '\\':
        put('\\');
        break;
    case '\b':
        put('b');
        break;
    case '\f':
        put('f');
        break;
    case '\n':
        put('n');
        break;
    case '\r':
        put('r');
        break;
    case '\t':
        put('t');
        break;
    default:
        put('u');
        put('0');
        put('0');
        put(kHex[c >> 4]);
        put(kHex[c & 0xF]);
        break;
    }
}

void JsonWriter::escapeUtf16(QStringView text) {
    const char16_t *p = text.utf16();
    const char16_t *end = p + text.size();
    // Worst case per UTF-16 unit: six characters (\u00XX; a BMP character takes three bytes).
    ensure(std::size_t(text.size()) * 6 + 2);
    put('"');
    while (p < end) {
        const char16_t u = *p++;
        if (u < 0x80) {
            const auto c = static_cast<unsigned char>(u);
            if (!kSpecial[c]) {
                put(char(c));
                continue;
            }
            escapeAscii(c);
        } else if (u < 0x800) {
            put(char(0xC0 | (u >> 6)));
            put(char(0x80 | (u & 0x3F)));
        } else if (u >= 0xD800 && u <= 0xDBFF && p < end && *p >= 0xDC00 && *p <= 0xDFFF) {
            const char32_t cp =
                0x10000 + ((char32_t(u) - 0xD800) << 10) + (char32_t(*p++) - 0xDC00);
            put(char(0xF0 | (cp >> 18)));
            put(char(0x80 | ((cp >> 12) & 0x3F)));
            put(char(0x80 | ((cp >> 6) & 0x3F)));
            put(char(0x80 | (cp & 0x3F)));
        } else if (u >= 0xD800 && u <= 0xDFFF) {
            putRaw("\xEF\xBF\xBD", 3); // a lone surrogate
        } else {
            put(char(0xE0 | (u >> 12)));
            put(char(0x80 | ((u >> 6) & 0x3F)));
            put(char(0x80 | (u & 0x3F)));
        }
    }
    put('"');
}

void JsonWriter::string(QByteArrayView bytes) {
    open(std::size_t(bytes.size()) * 6 + 2);
    put('"');
    escapeContent(bytes, false);
    put('"');
}

void JsonWriter::string(QStringView text) {
    open(0);
    escapeUtf16(text);
}

void JsonWriter::stringOrNull(QByteArrayView bytes) {
    if (bytes.isEmpty())
        null();
    else
        string(bytes);
}

void JsonWriter::stringOrNull(QStringView text) {
    if (text.isEmpty())
        null();
    else
        string(text);
}

void JsonWriter::beginString() {
    open(1);
    put('"');
}

void JsonWriter::stringPart(QByteArrayView bytes) {
    escapeContent(bytes, false);
}

void JsonWriter::endString() {
    ensure(1);
    put('"');
}

void JsonWriter::number(std::int64_t value) {
    open(24);
    const auto result = std::to_chars(m_buf.data() + m_len, m_buf.data() + m_len + 24, value);
    m_len = std::size_t(result.ptr - m_buf.data());
}

void JsonWriter::number(double value) {
    if (!std::isfinite(value)) {
        null();
        return;
    }
    open(32);
    const auto result = std::to_chars(m_buf.data() + m_len, m_buf.data() + m_len + 32, value);
    m_len = std::size_t(result.ptr - m_buf.data());
}

void JsonWriter::millisFromMicros(std::int64_t micros) {
    if (micros < 0) {
        null();
        return;
    }
    open(28);
    auto result = std::to_chars(m_buf.data() + m_len, m_buf.data() + m_len + 24, micros / 1000);
    m_len = std::size_t(result.ptr - m_buf.data());
    const int fraction = int(micros % 1000);
    put('.');
    put(char('0' + fraction / 100));
    put(char('0' + fraction / 10 % 10));
    put(char('0' + fraction % 10));
}

void JsonWriter::timestamp(std::int64_t unixMicros) {
    open(29);
    // An exchange's events share one time: format it once.
    if (unixMicros != m_lastTimestampUs) {
        formatRfc3339Micros(unixMicros, m_lastTimestamp);
        m_lastTimestampUs = unixMicros;
    }
    put('"');
    putRaw(m_lastTimestamp, sizeof m_lastTimestamp);
    put('"');
}

} // namespace ToolCapture

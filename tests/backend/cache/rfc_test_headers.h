#pragma once

#include <backend/cache/http_date.h>
#include <backend/http/http_message.h>

#include <QByteArray>
#include <QList>

#include <chrono>

namespace ToolCapture::RfcTest {

// "Name: value|Name2: value2" as header lines (the tables stay one row per line).
inline HttpHeaders headers(const QByteArray &text) {
    HttpHeaders out;
    if (text.isEmpty())
        return out;
    for (const QByteArray &line : text.split('|')) {
        const qsizetype colon = line.indexOf(':');
        if (colon < 0)
            continue;
        out.push_back({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
    }
    return out;
}

// The inverse, for comparisons.
inline QByteArray text(const HttpHeaders &fields) {
    QList<QByteArray> lines;
    for (const HttpHeader &field : fields)
        lines.append(field.name + ": " + field.value);
    return lines.join('|');
}

// A fixed instant every test measures from: no wall clock in the tables.
inline HttpTime t0() {
    return HttpTime{std::chrono::seconds{784111777}}; // Sun, 06 Nov 1994 08:49:37 GMT
}

inline HttpTime at(qint64 offsetSeconds) {
    return t0() + std::chrono::seconds{offsetSeconds};
}

// The IMF-fixdate of t0() + offset, for building header values in the tables.
inline QByteArray date(qint64 offsetSeconds) {
    return HttpDate::format(at(offsetSeconds));
}

} // namespace ToolCapture::RfcTest

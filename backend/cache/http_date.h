#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <chrono>
#include <optional>

namespace ToolCapture {

// A point in wall-clock time with one-second resolution, as HTTP dates carry it. The cache's
// functions take "now" as such a parameter: they never read a clock themselves.
using HttpTime = std::chrono::sys_seconds;

// HTTP-date parsing and formatting (RFC 9110 section 5.6.7).
class HttpDate {
public:
    // Parses IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the obsolete RFC 850 form
    // ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994"). Leading and
    // trailing whitespace is ignored; anything else that does not match exactly is nullopt.
    // `now` resolves RFC 850's two-digit year (the 50-year rule); without it years 70-99 are
    // 19xx and 00-69 are 20xx.
    static std::optional<HttpTime> parse(QByteArrayView text,
                                         std::optional<HttpTime> now = std::nullopt);
    // IMF-fixdate, the only form a sender generates.
    static QByteArray format(HttpTime time);
};

} // namespace ToolCapture

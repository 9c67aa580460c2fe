#include <backend/schema/rfc3339_time.h>

#include <chrono>
#include <cstdio>

namespace ToolCapture {

namespace {

// The decimal number in text[at, at + width), or -1 when a character there is not a digit.
int digits(std::string_view text, std::size_t at, std::size_t width) {
    int value = 0;
    for (std::size_t i = at; i < at + width; ++i) {
        const char c = text[i];
        if (c < '0' || c > '9')
            return -1;
        value = value * 10 + (c - '0');
    }
    return value;
}

} // namespace

std::optional<std::int64_t> parseRfc3339(std::string_view text) {
    // full-date "T" partial-time time-offset: 19 characters before the optional fraction.
    constexpr std::size_t kFixed = 19;
    if (text.size() < kFixed + 1)
        return std::nullopt;
    if (text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') ||
        text[13] != ':' || text[16] != ':')
        return std::nullopt;
    const int year = digits(text, 0, 4);
    const int month = digits(text, 5, 2);
    const int day = digits(text, 8, 2);
    const int hour = digits(text, 11, 2);
    const int minute = digits(text, 14, 2);
    const int second = digits(text, 17, 2);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
        second < 0 || second > 60)
        return std::nullopt;
    const std::chrono::year_month_day date{std::chrono::year(year),
                                           std::chrono::month(unsigned(month)),
                                           std::chrono::day(unsigned(day))};
    if (!date.ok())
        return std::nullopt;

    std::size_t at = kFixed;
    std::int64_t micros = 0;
    if (text[at] == '.') {
        ++at;
        const std::size_t first = at;
        std::int64_t scale = 100000;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            micros += (text[at] - '0') * scale;
            scale /= 10;
            ++at;
        }
        if (at == first)
            return std::nullopt;
    }
    if (at >= text.size())
        return std::nullopt;

    int offsetMinutes = 0;
    if (text[at] == 'Z' || text[at] == 'z') {
        ++at;
    } else if (text[at] == '+' || text[at] == '-') {
        if (text.size() - at != 6 || text[at + 3] != ':')
            return std::nullopt;
        const int offsetHours = digits(text, at + 1, 2);
        const int offsetMins = digits(text, at + 4, 2);
        if (offsetHours < 0 || offsetHours > 23 || offsetMins < 0 || offsetMins > 59)
            return std::nullopt;
        offsetMinutes = (offsetHours * 60 + offsetMins) * (text[at] == '-' ? -1 : 1);
        at += 6;
    } else {
        return std::nullopt;
    }
    if (at != text.size())
        return std::nullopt;

    const std::int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
    const std::int64_t seconds =
        days * 86400 + hour * 3600 + minute * 60 + second - std::int64_t(offsetMinutes) * 60;
    return seconds * 1000000 + micros;
}

QByteArray formatRfc3339(std::int64_t microsSinceEpoch) {
    using namespace std::chrono;
    const sys_time<milliseconds> time =
        floor<milliseconds>(sys_time<microseconds>(microseconds(microsSinceEpoch)));
    const sys_days day = floor<days>(time);
    const year_month_day date(day);
    const hh_mm_ss<milliseconds> clock(time - day);
    char text[32];
    const int length = std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                                     int(date.year()), unsigned(date.month()), unsigned(date.day()),
                                     int(clock.hours().count()), int(clock.minutes().count()),
                                     int(clock.seconds().count()), int(clock.subseconds().count()));
    return QByteArray(text, length);
}

} // namespace ToolCapture

#include <backend/cache/http_date.h>

#include <array>
#include <cstdio>

namespace ToolCapture {

namespace {

using namespace std::chrono;

constexpr std::array<const char *, 7> kShortDays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char *, 7> kLongDays{"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                "Thursday", "Friday", "Saturday"};
constexpr std::array<const char *, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// A cursor over the date text; every reader consumes exactly what it matched or fails.
class Cursor {
public:
    explicit Cursor(QByteArrayView text)
        : m_text(text) {}

    bool atEnd() const { return m_pos == m_text.size(); }

    bool literal(QByteArrayView expected) {
        if (m_text.sliced(m_pos).startsWith(expected)) {
            m_pos += expected.size();
            return true;
        }
        return false;
    }

    // Exactly `count` digits.
    std::optional<int> digits(int count) {
        if (m_pos + count > m_text.size())
            return std::nullopt;
        int value = 0;
        for (int i = 0; i < count; ++i) {
            const char c = m_text[m_pos + i];
            if (c < '0' || c > '9')
                return std::nullopt;
            value = value * 10 + (c - '0');
        }
        m_pos += count;
        return value;
    }

    // One of `names` (case-sensitive, as the grammar's literals are); returns its index.
    template<std::size_t N>
    std::optional<int> oneOf(const std::array<const char *, N> &names) {
        for (std::size_t i = 0; i < N; ++i) {
            if (literal(QByteArrayView(names[i])))
                return int(i);
        }
        return std::nullopt;
    }

    // time-of-day = hour ":" minute ":" second
    bool timeOfDay(int &hour, int &minute, int &second) {
        const auto h = digits(2);
        if (!h || !literal(":"))
            return false;
        const auto m = digits(2);
        if (!m || !literal(":"))
            return false;
        const auto s = digits(2);
        if (!s)
            return false;
        hour = *h;
        minute = *m;
        second = *s;
        return true;
    }

private:
    QByteArrayView m_text;
    qsizetype m_pos = 0;
};

std::optional<HttpTime> makeTime(int yearValue, int monthIndex, int dayValue, int hour, int minute,
                                 int second) {
    // RFC 9110 section 5.6.7: hour 00-23, minute 00-59, second 00-60 (a leap second, which we
    // fold onto :59 because sys_seconds has no representation for it).
    if (hour > 23 || minute > 59 || second > 60)
        return std::nullopt;
    const year_month_day date{year{yearValue}, month{unsigned(monthIndex + 1)},
                              day{unsigned(dayValue)}};
    if (!date.ok())
        return std::nullopt;
    return HttpTime{sys_days{date}} + hours{hour} + minutes{minute} +
           seconds{second == 60 ? 59 : second};
}

QByteArrayView trimmed(QByteArrayView text) {
    qsizetype first = 0;
    qsizetype last = text.size();
    while (first < last && (text[first] == ' ' || text[first] == '\t'))
        ++first;
    while (last > first && (text[last - 1] == ' ' || text[last - 1] == '\t'))
        --last;
    return text.sliced(first, last - first);
}

// IMF-fixdate = day-name "," SP date1 SP time-of-day SP GMT; date1 = day SP month SP year
std::optional<HttpTime> parseImfFixdate(QByteArrayView text) {
    Cursor in(text);
    if (!in.oneOf(kShortDays) || !in.literal(", "))
        return std::nullopt;
    const auto dayValue = in.digits(2);
    if (!dayValue || !in.literal(" "))
        return std::nullopt;
    const auto monthIndex = in.oneOf(kMonths);
    if (!monthIndex || !in.literal(" "))
        return std::nullopt;
    const auto yearValue = in.digits(4);
    if (!yearValue || !in.literal(" "))
        return std::nullopt;
    int hour = 0, minute = 0, second = 0;
    if (!in.timeOfDay(hour, minute, second) || !in.literal(" GMT") || !in.atEnd())
        return std::nullopt;
    return makeTime(*yearValue, *monthIndex, *dayValue, hour, minute, second);
}

// rfc850-date = day-name-l "," SP date2 SP time-of-day SP GMT; date2 = day "-" month "-" 2DIGIT
std::optional<HttpTime> parseRfc850(QByteArrayView text, std::optional<HttpTime> now) {
    Cursor in(text);
    if (!in.oneOf(kLongDays) || !in.literal(", "))
        return std::nullopt;
    const auto dayValue = in.digits(2);
    if (!dayValue || !in.literal("-"))
        return std::nullopt;
    const auto monthIndex = in.oneOf(kMonths);
    if (!monthIndex || !in.literal("-"))
        return std::nullopt;
    const auto twoDigitYear = in.digits(2);
    if (!twoDigitYear || !in.literal(" "))
        return std::nullopt;
    int hour = 0, minute = 0, second = 0;
    if (!in.timeOfDay(hour, minute, second) || !in.literal(" GMT") || !in.atEnd())
        return std::nullopt;
    int fullYear = 0;
    if (now) {
        // RFC 9110 section 5.6.7: a two-digit year that appears to be more than 50 years in the
        // future is the most recent past year with the same last two digits.
        const int currentYear = int(year_month_day{floor<days>(*now)}.year());
        const int century = currentYear - currentYear % 100;
        fullYear = century + *twoDigitYear;
        if (fullYear > currentYear + 50)
            fullYear -= 100;
    } else {
        fullYear = *twoDigitYear < 70 ? 2000 + *twoDigitYear : 1900 + *twoDigitYear;
    }
    return makeTime(fullYear, *monthIndex, *dayValue, hour, minute, second);
}

// asctime-date = day-name SP date3 SP time-of-day SP year; date3 = month SP ( 2DIGIT / ( SP DIGIT
// ))
std::optional<HttpTime> parseAsctime(QByteArrayView text) {
    Cursor in(text);
    if (!in.oneOf(kShortDays) || !in.literal(" "))
        return std::nullopt;
    const auto monthIndex = in.oneOf(kMonths);
    if (!monthIndex || !in.literal(" "))
        return std::nullopt;
    std::optional<int> dayValue;
    if (in.literal(" "))
        dayValue = in.digits(1);
    else
        dayValue = in.digits(2);
    if (!dayValue || !in.literal(" "))
        return std::nullopt;
    int hour = 0, minute = 0, second = 0;
    if (!in.timeOfDay(hour, minute, second) || !in.literal(" "))
        return std::nullopt;
    const auto yearValue = in.digits(4);
    if (!yearValue || !in.atEnd())
        return std::nullopt;
    return makeTime(*yearValue, *monthIndex, *dayValue, hour, minute, second);
}

} // namespace

// RFC 9110 section 5.6.7: recipients accept all three formats; the day name is checked for
// being a day name, not for agreeing with the date (NOTE: a deliberate leniency; a mismatched
// weekday is a sender bug that changes nothing about the instant meant).
std::optional<HttpTime> HttpDate::parse(QByteArrayView text, std::optional<HttpTime> now) {
    text = trimmed(text);
    if (text.size() < 24)
        return std::nullopt;
    if (text[3] == ',')
        return parseImfFixdate(text);
    if (text[3] == ' ')
        return parseAsctime(text);
    return parseRfc850(text, now);
}

QByteArray HttpDate::format(HttpTime time) {
    const sys_days dayPoint = floor<days>(time);
    const year_month_day date{dayPoint};
    const hh_mm_ss<seconds> clock{time - dayPoint};
    const weekday wd{dayPoint};
    char buffer[40];
    const int length = std::snprintf(
        buffer, sizeof buffer, "%s, %02u %s %04d %02d:%02d:%02d GMT", kShortDays[wd.c_encoding()],
        unsigned(date.day()), kMonths[unsigned(date.month()) - 1], int(date.year()),
        int(clock.hours().count()), int(clock.minutes().count()), int(clock.seconds().count()));
    return QByteArray(buffer, length);
}

} // namespace ToolCapture

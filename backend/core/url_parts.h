#pragma once

#include <QStringView>

namespace ToolCapture {

// Where the authority ends in what follows a URL's "scheme://": at the first '/', '?' or '#',
// else at the end (RFC 3986 section 3.2). For the URLs of the configuration (Redis, the store),
// which are split by hand so that an error can name every part but the user info.
inline qsizetype urlAuthorityEnd(QStringView rest) noexcept {
    for (qsizetype i = 0; i < rest.size(); ++i) {
        const QChar c = rest[i];
        if (c == QLatin1Char('/') || c == QLatin1Char('?') || c == QLatin1Char('#'))
            return i;
    }
    return rest.size();
}

} // namespace ToolCapture

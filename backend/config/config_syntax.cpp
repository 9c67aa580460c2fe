#include <backend/config/config_syntax.h>
#include <backend/core/url_parts.h>

#include <QHostAddress>

#include <algorithm>

namespace ToolCapture {

namespace {

QString quoted(QStringView text) {
    return QLatin1Char('"') + text.toString() + QLatin1Char('"');
}

bool isAsciiDigit(QChar c) {
    return c >= QLatin1Char('0') && c <= QLatin1Char('9');
}

bool isAsciiLower(QChar c) {
    return c >= QLatin1Char('a') && c <= QLatin1Char('z');
}

bool isAsciiAlnum(QChar c) {
    return isAsciiDigit(c) || isAsciiLower(c) || (c >= QLatin1Char('A') && c <= QLatin1Char('Z'));
}

// The pieces of "host[:port]" or "[v6][:port]".
struct HostPortText {
    QStringView host;
    QStringView port;
    bool hasPort = false;
    bool bracketed = false;
};

QString splitHostPort(QStringView text, HostPortText &out) {
    if (text.startsWith(QLatin1Char('['))) {
        const qsizetype close = text.indexOf(QLatin1Char(']'));
        if (close < 0)
            return QStringLiteral("missing \"]\" after an IPv6 address");
        out.host = text.mid(1, close - 1);
        out.bracketed = true;
        const QStringView rest = text.mid(close + 1);
        if (rest.isEmpty())
            return {};
        if (!rest.startsWith(QLatin1Char(':')))
            return QStringLiteral("unexpected %1 after \"]\"").arg(quoted(rest));
        out.port = rest.mid(1);
        out.hasPort = true;
        return {};
    }
    const qsizetype colon = text.indexOf(QLatin1Char(':'));
    if (colon >= 0 && text.indexOf(QLatin1Char(':'), colon + 1) >= 0)
        return QStringLiteral("IPv6 addresses need brackets, as in \"[::1]:8080\"");
    if (colon < 0) {
        out.host = text;
        return {};
    }
    out.host = text.first(colon);
    out.port = text.mid(colon + 1);
    out.hasPort = true;
    return {};
}

// Checks a port number written as text; minimum is 0 or 1.
QString parsePort(QStringView text, int minimum, quint16 &port) {
    if (text.isEmpty())
        return QStringLiteral("missing port number after \":\"");
    bool digitsOnly = text.size() <= 5;
    for (const QChar c : text)
        digitsOnly = digitsOnly && isAsciiDigit(c);
    const int value = digitsOnly ? text.toInt() : -1;
    if (!digitsOnly || value < minimum || value > 65535) {
        return QStringLiteral("port must be a number between %1 and 65535, got %2")
            .arg(minimum)
            .arg(quoted(text));
    }
    port = quint16(value);
    return {};
}

bool isIdentifier(QStringView text, bool (*first)(QChar), bool (*rest)(QChar)) {
    if (text.isEmpty() || text.size() > 64 || !first(text.front()))
        return false;
    for (const QChar c : text.mid(1)) {
        if (!rest(c))
            return false;
    }
    return true;
}

} // namespace

QString checkHostName(QStringView host) {
    if (host.isEmpty())
        return QStringLiteral("missing host");
    bool dottedDigits = true;
    for (const QChar c : host)
        dottedDigits = dottedDigits && (isAsciiDigit(c) || c == QLatin1Char('.'));
    if (dottedDigits) {
        QHostAddress address;
        const QStringList parts = host.toString().split(QLatin1Char('.'));
        const bool fourParts =
            parts.size() == 4 &&
            std::all_of(parts.begin(), parts.end(), [](const QString &p) { return !p.isEmpty(); });
        if (!fourParts || !address.setAddress(host.toString()) ||
            address.protocol() != QAbstractSocket::IPv4Protocol) {
            return QStringLiteral("%1 is not a valid IPv4 address").arg(quoted(host));
        }
        return {};
    }
    if (host.size() > 253)
        return QStringLiteral("host name is longer than 253 characters");
    for (const QStringView label : host.split(QLatin1Char('.'))) {
        const bool ok = !label.isEmpty() && label.size() <= 63 &&
                        !label.startsWith(QLatin1Char('-')) && !label.endsWith(QLatin1Char('-')) &&
                        std::all_of(label.begin(), label.end(), [](QChar c) {
                            return isAsciiAlnum(c) || c == QLatin1Char('-');
                        });
        if (!ok) {
            return QStringLiteral("invalid host name %1 (letters, digits and \"-\" in "
                                  "dot-separated labels)")
                .arg(quoted(host));
        }
    }
    return {};
}

QString parseUpstreamUrl(QStringView text, UpstreamAddress &address) {
    const QString expected = QStringLiteral("expected \"http://host:port\"");
    for (const QChar c : text) {
        if (c.isSpace() || c.unicode() < 0x20)
            return QStringLiteral("not an http URL: contains white space or control characters");
    }
    const qsizetype schemeEnd = text.indexOf(QLatin1String("://"));
    if (schemeEnd < 0)
        return QStringLiteral("not an http URL: %1, got %2").arg(expected, quoted(text));
    const QString scheme = text.first(schemeEnd).toString().toLower();
    if (scheme == QLatin1String("https")) {
        return QStringLiteral("https is not supported yet (no TLS to upstreams); use "
                              "\"http://host:port\"");
    }
    if (scheme != QLatin1String("http"))
        return QStringLiteral("not an http URL: unsupported scheme %1").arg(quoted(scheme));

    const QStringView rest = text.mid(schemeEnd + 3);
    const qsizetype authorityEnd = urlAuthorityEnd(rest);
    const QStringView authority = rest.first(authorityEnd);
    const QStringView tail = rest.mid(authorityEnd);
    // NOTE: the user info is not echoed: it may hold a password.
    if (authority.contains(QLatin1Char('@')))
        return QStringLiteral("not an http URL: user info (\"user@\") is not allowed");
    if (tail.contains(QLatin1Char('?')))
        return QStringLiteral("not an http URL: a query is not allowed");
    if (tail.contains(QLatin1Char('#')))
        return QStringLiteral("not an http URL: a fragment is not allowed");
    if (!tail.isEmpty() && tail != QLatin1String("/")) {
        return QStringLiteral("not an http URL: a path is not allowed (%1); %2")
            .arg(quoted(tail), expected);
    }

    HostPortText parts;
    QString error = splitHostPort(authority, parts);
    if (!error.isEmpty())
        return QStringLiteral("not an http URL: ") + error;
    if (parts.host.isEmpty())
        return QStringLiteral("not an http URL: missing host");
    quint16 port = 80;
    if (parts.hasPort) {
        error = parsePort(parts.port, 1, port);
        if (!error.isEmpty())
            return error;
    }
    if (parts.bracketed) {
        QHostAddress v6;
        if (!v6.setAddress(parts.host.toString()) ||
            v6.protocol() != QAbstractSocket::IPv6Protocol) {
            return QStringLiteral("%1 is not a valid IPv6 address").arg(quoted(parts.host));
        }
    } else {
        error = checkHostName(parts.host);
        if (!error.isEmpty())
            return error;
    }
    address.host = parts.host.toString().toLower();
    address.port = port;
    return {};
}

QString parseRedisUrl(QStringView text, RedisAddress &address) {
    const QString expected = QStringLiteral("expected \"redis://host:port[/db]\"");
    for (const QChar c : text) {
        if (c.isSpace() || c.unicode() < 0x20)
            return QStringLiteral("not a redis URL: contains white space or control characters");
    }
    const qsizetype schemeEnd = text.indexOf(QLatin1String("://"));
    if (schemeEnd < 0) {
        // NOTE: quoted only without "@": the text may hold a password.
        if (text.contains(QLatin1Char('@')))
            return QStringLiteral("not a redis URL: %1").arg(expected);
        return QStringLiteral("not a redis URL: %1, got %2").arg(expected, quoted(text));
    }
    const QString scheme = text.first(schemeEnd).toString().toLower();
    if (scheme == QLatin1String("rediss"))
        return QStringLiteral("rediss (TLS) is not supported; use \"redis://host:port\"");
    if (scheme != QLatin1String("redis"))
        return QStringLiteral("not a redis URL: unsupported scheme %1").arg(quoted(scheme));

    const QStringView rest = text.mid(schemeEnd + 3);
    const qsizetype authorityEnd = urlAuthorityEnd(rest);
    QStringView authority = rest.first(authorityEnd);
    const QStringView tail = rest.mid(authorityEnd);
    if (tail.contains(QLatin1Char('?')))
        return QStringLiteral("not a redis URL: a query is not allowed");
    if (tail.contains(QLatin1Char('#')))
        return QStringLiteral("not a redis URL: a fragment is not allowed");

    // NOTE: the user info is never echoed: it holds a password.
    QByteArray password;
    const qsizetype at = authority.lastIndexOf(QLatin1Char('@'));
    if (at >= 0) {
        const QStringView userInfo = authority.first(at);
        authority = authority.mid(at + 1);
        const qsizetype colon = userInfo.indexOf(QLatin1Char(':'));
        if (colon < 0)
            return QStringLiteral("not a redis URL: the user info must be \":password\"");
        const QStringView user = userInfo.first(colon);
        if (!user.isEmpty() && user != QLatin1String("default"))
            return QStringLiteral("not a redis URL: only the default user is supported (write "
                                  "\"redis://:password@host:port\")");
        password = QByteArray::fromPercentEncoding(userInfo.mid(colon + 1).toUtf8());
        if (password.isEmpty())
            return QStringLiteral("not a redis URL: empty password");
    }

    int database = 0;
    if (tail.size() > 1) {
        const QStringView number = tail.mid(1);
        const bool digitsOnly =
            number.size() <= 9 && std::all_of(number.begin(), number.end(), isAsciiDigit);
        if (!digitsOnly) {
            return QStringLiteral("not a redis URL: the path must be a database number, as in "
                                  "\"/0\", got %1")
                .arg(quoted(tail));
        }
        database = number.toInt();
    }

    HostPortText parts;
    QString error = splitHostPort(authority, parts);
    if (!error.isEmpty())
        return QStringLiteral("not a redis URL: ") + error;
    if (parts.host.isEmpty())
        return QStringLiteral("not a redis URL: missing host; %1").arg(expected);
    if (!parts.hasPort)
        return QStringLiteral("not a redis URL: missing port; %1").arg(expected);
    quint16 port = 0;
    error = parsePort(parts.port, 1, port);
    if (!error.isEmpty())
        return error;
    QHostAddress host;
    if (!parts.bracketed && parts.host == QLatin1String("localhost")) {
        host = QHostAddress(QHostAddress::LocalHost);
    } else if (!host.setAddress(parts.host.toString()) ||
               (parts.bracketed != (host.protocol() == QAbstractSocket::IPv6Protocol))) {
        return QStringLiteral("%1 is not an IP address (write an address, such as 127.0.0.1 or "
                              "[::1], or \"localhost\": a host name would need a blocking "
                              "lookup)")
            .arg(quoted(parts.host));
    }
    address.host = host.toString();
    address.port = port;
    address.database = database;
    address.password = password;
    return {};
}

QString parseListenAddress(QStringView text, ListenAddress &address) {
    HostPortText parts;
    QString error = splitHostPort(text, parts);
    if (!error.isEmpty())
        return error;
    if (!parts.hasPort || parts.host.isEmpty())
        return QStringLiteral("expected \"host:port\", got %1").arg(quoted(text));
    quint16 port = 0;
    error = parsePort(parts.port, 0, port);
    if (!error.isEmpty())
        return error;
    QHostAddress host;
    if (!parts.bracketed && parts.host == QLatin1String("localhost")) {
        host = QHostAddress(QHostAddress::LocalHost);
    } else if (!host.setAddress(parts.host.toString()) ||
               (parts.bracketed != (host.protocol() == QAbstractSocket::IPv6Protocol))) {
        return QStringLiteral("%1 is not an IP address (write an address, such as 127.0.0.1 or "
                              "[::1], or \"localhost\")")
            .arg(quoted(parts.host));
    }
    address.host = host;
    address.port = port;
    return {};
}

QString checkKafkaBrokers(QStringView text) {
    if (text == QLatin1String("embedded"))
        return {};
    if (text.trimmed().isEmpty())
        return QStringLiteral("expected \"embedded\" or \"host:port,...\", got an empty string");
    for (const QStringView broker : text.split(QLatin1Char(','))) {
        const QStringView trimmed = broker.trimmed();
        HostPortText parts;
        QString error = splitHostPort(trimmed, parts);
        if (error.isEmpty() && (!parts.hasPort || parts.host.isEmpty()))
            error = QStringLiteral("expected \"host:port\"");
        quint16 port = 0;
        if (error.isEmpty())
            error = parsePort(parts.port, 1, port);
        if (error.isEmpty() && !parts.bracketed)
            error = checkHostName(parts.host);
        if (!error.isEmpty())
            return QStringLiteral("broker %1: %2").arg(quoted(trimmed), error);
    }
    return {};
}

QString checkAdminToken(QStringView token) {
    constexpr qsizetype kMinimum = 16;
    constexpr qsizetype kMaximum = 512;
    if (token.size() < kMinimum) {
        return QStringLiteral("must be at least %1 characters long, got %2")
            .arg(kMinimum)
            .arg(token.size());
    }
    if (token.size() > kMaximum) {
        return QStringLiteral("must be at most %1 characters long, got %2")
            .arg(kMaximum)
            .arg(token.size());
    }
    for (qsizetype i = 0; i < token.size(); ++i) {
        const char16_t c = token[i].unicode();
        if (c <= 0x20 || c >= 0x7f) {
            return QStringLiteral("must be printable ASCII without spaces; character %1 is not")
                .arg(i + 1);
        }
    }
    return {};
}

bool isValidServiceName(QStringView name) {
    return isIdentifier(
        name, [](QChar c) { return isAsciiLower(c) || isAsciiDigit(c); },
        [](QChar c) {
            return isAsciiLower(c) || isAsciiDigit(c) || c == QLatin1Char('_') ||
                   c == QLatin1Char('-');
        });
}

bool isValidInstanceId(QStringView id) {
    return isIdentifier(id, isAsciiAlnum, [](QChar c) {
        return isAsciiAlnum(c) || c == QLatin1Char('.') || c == QLatin1Char('_') ||
               c == QLatin1Char('-');
    });
}

} // namespace ToolCapture

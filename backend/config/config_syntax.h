#pragma once

#include <backend/config/proxy_config.h>

#include <QByteArray>
#include <QString>
#include <QStringView>

namespace ToolCapture {

// Where an upstream instance is reached, taken from its URL.
struct UpstreamAddress {
    QString host; // lower case; an IPv6 address without brackets
    quint16 port = 80;
};

// Where the cache's shared Redis tier is reached, taken from its URL.
struct RedisAddress {
    QString host; // an IP address ("localhost" gives 127.0.0.1); IPv6 without brackets
    quint16 port = 6379;
    int database = 0;
    QByteArray password; // empty: no AUTH
};

// The small grammars of the configuration file. Each parser returns an empty string on success
// and otherwise the reason, worded to follow "<path>: " in a ConfigError.

// "http://host[:port][/]": no https (yet), no user info, no path, no query, no fragment.
QString parseUpstreamUrl(QStringView text, UpstreamAddress &address);

// "redis://[:password@]host:port[/db]": the host an IP address or "localhost" (a name would need
// a blocking lookup), a port, an optional database number. No TLS ("rediss"), no query. The
// reason never quotes the user info (it holds a password).
QString parseRedisUrl(QStringView text, RedisAddress &address);

// "host:port" to listen on: an IP address or "localhost", IPv6 in brackets; port 0..65535.
QString parseListenAddress(QStringView text, ListenAddress &address);

// "embedded", or a comma-separated list of "host:port" Kafka bootstrap brokers.
QString checkKafkaBrokers(QStringView text);

// A DNS name (RFC 1123 labels) or a dotted IPv4 address, without a port.
QString checkHostName(QStringView host);

// The admin API's bearer token: 16..512 printable ASCII characters, no spaces. The reason never
// quotes the token (it is a secret).
QString checkAdminToken(QStringView token);

// Service names: [a-z0-9][a-z0-9_-]*, at most 64 characters.
bool isValidServiceName(QStringView name);

// Instance ids: [A-Za-z0-9][A-Za-z0-9._-]*, at most 64 characters.
bool isValidInstanceId(QStringView id);

} // namespace ToolCapture

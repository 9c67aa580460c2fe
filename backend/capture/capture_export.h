#pragma once

#include <backend/capture/capture_record.h>

#include <QByteArray>
#include <QString>
#include <QUrl>

#include <string>
#include <vector>

namespace ToolCapture {

// How captures are rendered as an HTTP Archive.
struct HarOptions {
    // Scheme, authority and path prefix for a record without a captured Host header (the
    // allowlist may leave Host out). A record with one keeps its Host and takes the scheme only.
    QUrl baseUrl = QUrl(QStringLiteral("http://localhost"));
    // log.creator.version; empty: QCoreApplication::applicationVersion(), else "dev".
    QString creatorVersion;
};

// A HAR 1.2 document (UTF-8 JSON) with one entry per record, in the given order. Timings come
// from the record's offsets: blocked is the wait for an upstream connection (a pool lease and a
// fresh connect are not told apart, so connect is -1), wait runs from there to the first
// response byte, receive to the last; send is 0 (not measured separately). Bodies that are not
// UTF-8 are base64 ("encoding" on response content, "_encoding" on postData, which HAR 1.2
// gives no such field). Custom fields: _captureId, _correlationId, _service, _instance,
// _attempts, _proxyError, _replayable.
QByteArray toHar(const std::vector<CaptureRecord> &records, const HarOptions &options = {});

// One POSIX shell command line re-sending the record to `baseUrl` (scheme, authority and an
// optional path prefix; invalid or empty: the captured Host over http, else localhost), preceded
// by comment lines: what the record was, each redacted header as a commented-out -H (the secret
// was never kept), and "# not replayable: body not kept" when the body was not kept (the command
// then sends no body). Hop-by-hop fields, Host, Content-Length and X-Correlation-ID are left to
// curl and the proxy; X-ToolCapture-Replay-Of names the original exchange. Text bodies go
// single-quoted with --data-raw; other bodies through printf octal escapes into
// --data-binary @-, byte for byte. Ends with a newline.
QByteArray toCurl(const CaptureRecord &record, const QString &baseUrl);

// The argument quoted for a POSIX shell: single quotes, each ' as '\''.
QByteArray shellQuote(QByteArrayView argument);

// Whether `bytes` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool isValidUtf8(QByteArrayView bytes) noexcept;

// Bytes as the text of a JSON string: well-formed UTF-8 as it is, anything else read as
// ISO-8859-1 (header values' historical charset), so that every byte stays a character.
std::string jsonText(QByteArrayView bytes);

// The header a replay or a curl command carries to name the exchange it repeats.
inline constexpr const char *kReplayOfHeader = "X-ToolCapture-Replay-Of";

// The captured request headers a replay sends again, in order: every captured field except the
// redacted ones (their names go to `redacted`, when given) and the ones the sender or the proxy
// sets afresh: Host, Content-Length, hop-by-hop fields, Expect, X-Correlation-ID (the proxy would
// reuse it and two exchanges would share an id) and kReplayOfHeader. Content-Type is added from
// requestContentType when the allowlist left it out.
std::vector<CapturedHeader> replayHeaders(const CaptureRecord &record,
                                          std::vector<QByteArray> *redacted = nullptr);

} // namespace ToolCapture

#pragma once

#include <backend/capture/capture_record.h>
#include <backend/config/proxy_config.h>
#include <backend/http/http_message.h>

#include <QByteArray>
#include <QByteArrayView>
#include <QStringList>

#include <array>
#include <cstdint>
#include <vector>

namespace ToolCapture {

// Chooses which header fields of an exchange are captured: the allowlisted ones, in order and
// with duplicates, and the values of the sensitive ones replaced by CaptureRecord::kRedacted
// even when they are listed. Immutable once built, so every proxy worker may share one; a call
// allocates nothing but the output vector (at most once) and copies no header bytes: the kept
// values are implicitly shared with the parsed message, the redaction marker is static data.
class CaptureHeaderFilter {
public:
    explicit CaptureHeaderFilter(const CaptureConfig &config);
    // Names compare ASCII case-insensitively; surrounding whitespace and empty names are ignored.
    explicit CaptureHeaderFilter(const QStringList &allowlist);

    // Appends the captured fields of `in` to `out`.
    void capture(const HttpHeaders &in, std::vector<CapturedHeader> &out) const;
    // The same, copied into the buffers of `spare` fields (taken from its back) while there are
    // any: `out` shares nothing with `in`, so the parser that owns `in` keeps its buffers.
    void capture(const HttpHeaders &in, std::vector<CapturedHeader> &out,
                 std::vector<CapturedHeader> &spare) const;

    // Whether a field named `name` is kept (redacted or not).
    bool allows(QByteArrayView name) const noexcept;
    // Authorization, Proxy-Authorization, Cookie, Set-Cookie (any case).
    static bool isSensitive(QByteArrayView name) noexcept;

private:
    enum class Action : std::uint8_t { Drop, Keep, Redact };
    struct Entry {
        QByteArray lowerName;
        Action action;
    };
    // Names up to this length are found through m_byLength; longer ones are scanned.
    static constexpr qsizetype kBucketedLength = 48;

    Action classify(QByteArrayView name) const noexcept;

    // Sorted by name length; the names of length n are m_entries[m_byLength[n], m_byLength[n + 1]).
    std::vector<Entry> m_entries;
    std::array<std::uint16_t, kBucketedLength + 2> m_byLength{};
    QByteArray m_redacted;
};

} // namespace ToolCapture

#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <cstdint>
#include <optional>

namespace ToolCapture {

// What one proxy tells the others sharing its Redis tier to drop from their memory: exact keys
// (an unsafe method's invalidation, a purge of one key), every key with a prefix (a purge of a
// prefix or a service) or everything; and who sent it, so that a proxy ignores its own.
// A plain value: encoded for PUBLISH, decoded from whatever arrives on the channel (refused, not
// trusted, when it is not one of ours).
struct InvalidationMessage {
    enum class Scope : std::uint8_t { Keys = 'K', Prefix = 'P', All = 'A' };

    std::uint64_t sender = 0; // the sending proxy's instance id (ResponseCache::instanceId())
    Scope scope = Scope::Keys;
    QList<QByteArray> keys; // Keys: the cache keys; Prefix: one prefix; All: none

    // Bounds a decoder holds a message to (an encoder never exceeds them: it refuses).
    static constexpr qsizetype kMaxKeys = 64;
    static constexpr qsizetype kMaxKeyBytes = 16 * 1024;
    static constexpr qsizetype kMaxBytes = 256 * 1024;

    // "TCI1", the sender (8 bytes), the scope (one byte), the key count (2 bytes), then each key
    // as a 4-byte length and its bytes; integers big-endian. Empty when the message breaks a
    // bound (too many or too long keys, a Prefix without exactly one key, All with keys).
    QByteArray encode() const;
    // Nothing for anything that is not exactly such a message (another magic or version, a
    // count or length beyond the bounds or the payload, bytes left over, an unknown scope).
    // `why` (when given) says what was wrong.
    static std::optional<InvalidationMessage> decode(QByteArrayView payload,
                                                     QByteArray *why = nullptr);

    friend bool operator==(const InvalidationMessage &, const InvalidationMessage &) = default;
};

} // namespace ToolCapture

#include <backend/cache/invalidation_message.h>

namespace ToolCapture {

namespace {

constexpr QByteArrayView kInvalidationMagic = "TCI1";

void appendBigEndian(QByteArray &out, std::uint64_t value, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
        out.append(char((value >> (8 * i)) & 0xff));
}

// Reads `bytes` big-endian bytes at `at`, advancing it; nothing past the end.
std::optional<std::uint64_t> readBigEndian(QByteArrayView in, qsizetype &at, int bytes) {
    if (in.size() - at < bytes)
        return std::nullopt;
    std::uint64_t value = 0;
    for (int i = 0; i < bytes; ++i)
        value = (value << 8) | std::uint8_t(in[at + i]);
    at += bytes;
    return value;
}

bool validShape(InvalidationMessage::Scope scope, qsizetype keys) {
    switch (scope) {
    case InvalidationMessage::Scope::Keys:
        return keys >= 1 && keys <= InvalidationMessage::kMaxKeys;
    case InvalidationMessage::Scope::Prefix:
        return keys == 1;
    case InvalidationMessage::Scope::All:
        return keys == 0;
    }
    return false;
}

} // namespace

QByteArray InvalidationMessage::encode() const {
    if (!validShape(scope, keys.size()))
        return {};
    QByteArray out;
    qsizetype size = kInvalidationMagic.size() + 8 + 1 + 2;
    for (const QByteArray &key : keys) {
        if (key.size() > kMaxKeyBytes)
            return {};
        size += 4 + key.size();
    }
    if (size > kMaxBytes)
        return {};
    out.reserve(size);
    out.append(kInvalidationMagic);
    appendBigEndian(out, sender, 8);
    out.append(char(scope));
    appendBigEndian(out, std::uint64_t(keys.size()), 2);
    for (const QByteArray &key : keys) {
        appendBigEndian(out, std::uint64_t(key.size()), 4);
        out.append(key);
    }
    return out;
}

std::optional<InvalidationMessage> InvalidationMessage::decode(QByteArrayView payload,
                                                               QByteArray *why) {
    const auto refuse = [why](const char *reason) -> std::optional<InvalidationMessage> {
        if (why)
            *why = reason;
        return std::nullopt;
    };
    if (payload.size() > kMaxBytes)
        return refuse("too large");
    if (!payload.startsWith(kInvalidationMagic))
        return refuse("not an invalidation message of this version");
    qsizetype at = kInvalidationMagic.size();
    InvalidationMessage message;
    const auto sender = readBigEndian(payload, at, 8);
    if (!sender || at >= payload.size())
        return refuse("truncated header");
    message.sender = *sender;
    const char scope = payload[at++];
    if (scope != char(Scope::Keys) && scope != char(Scope::Prefix) && scope != char(Scope::All))
        return refuse("unknown scope");
    message.scope = Scope(scope);
    const auto count = readBigEndian(payload, at, 2);
    if (!count)
        return refuse("truncated header");
    if (!validShape(message.scope, qsizetype(*count)))
        return refuse("key count does not fit the scope");
    message.keys.reserve(qsizetype(*count));
    for (std::uint64_t i = 0; i < *count; ++i) {
        const auto length = readBigEndian(payload, at, 4);
        if (!length)
            return refuse("truncated key length");
        if (*length > std::uint64_t(kMaxKeyBytes))
            return refuse("key too long");
        if (std::uint64_t(payload.size() - at) < *length)
            return refuse("truncated key");
        message.keys.append(payload.sliced(at, qsizetype(*length)).toByteArray());
        at += qsizetype(*length);
    }
    if (at != payload.size())
        return refuse("bytes after the last key");
    return message;
}

} // namespace ToolCapture

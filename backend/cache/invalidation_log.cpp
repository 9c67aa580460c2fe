#include "invalidation_log.h"

namespace ToolCapture {

void InvalidationLog::recordKey(QByteArrayView primaryKey) {
    record(Scope::Key, primaryKey);
}

void InvalidationLog::recordPrefix(QByteArrayView keyPrefix) {
    record(Scope::Prefix, keyPrefix);
}

void InvalidationLog::recordAll() {
    record(Scope::All, {});
}

void InvalidationLog::record(Scope scope, QByteArrayView text) {
    const std::lock_guard lock(m_mutex);
    const std::uint64_t generation = m_generation.load(std::memory_order_relaxed) + 1;
    Entry &entry = m_entries[generation % kCapacity];
    entry.generation = generation;
    entry.scope = scope;
    entry.text.truncate(0); // keeps the slot's storage for the next text that fits
    entry.text.append(text.data(), text.size());
    // Published after the entry: a reader that sees the new generation finds it under the lock.
    m_generation.store(generation, std::memory_order_release);
}

bool InvalidationLog::invalidatedSince(std::uint64_t since, QByteArrayView primaryKey) const {
    if (m_generation.load(std::memory_order_acquire) == since)
        return false; // nothing invalidated since: the common case, no lock
    const std::lock_guard lock(m_mutex);
    const std::uint64_t current = m_generation.load(std::memory_order_relaxed);
    if (current - since > kCapacity)
        return true; // the entries after `since` are no longer all here
    for (std::uint64_t g = since + 1; g <= current; ++g) {
        const Entry &entry = m_entries[g % kCapacity];
        switch (entry.scope) {
        case Scope::All:
            return true;
        case Scope::Prefix:
            if (primaryKey.startsWith(entry.text))
                return true;
            break;
        case Scope::Key:
            if (primaryKey == entry.text)
                return true;
            break;
        }
    }
    return false;
}

} // namespace ToolCapture

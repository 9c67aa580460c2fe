#pragma once

#include <backend/events/event_sink.h>

#include <QString>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace ToolCapture {

// A place in the spool: a record boundary. `ordinal` counts the valid records from the cursor
// found at open(); it only serves the pending count and is not persisted.
struct SpoolPosition {
    std::uint64_t segment = 0;
    std::int64_t offset = 0;
    std::uint64_t ordinal = 0;

    friend bool operator==(const SpoolPosition &a, const SpoolPosition &b) {
        return a.segment == b.segment && a.offset == b.offset;
    }
};

// One event read back from the spool and the position just past it (what to commit once the
// event has been delivered).
struct SpoolRecord {
    OutgoingEvent event;
    SpoolPosition end;
};

// What one read() found: the records, and where the next read starts (past the last record and
// past any corrupt stretch after it, so that a reader that has delivered every record of the
// batch may commit `next`).
struct SpoolBatch {
    std::vector<SpoolRecord> records;
    SpoolPosition next;
    bool atEnd = false; // the read stopped because nothing was left (false: there may be more)
};

// Events that could not be handed to Kafka, kept on disk in order until they are: an
// append-only log of checksummed records in segment files of one directory, with a committed
// read cursor, surviving crashes and restarts. Each record is [magic][payload length][CRC32C of
// the payload][payload], little-endian u32s. Thread-safe: one mutex, as this is the slow path of
// the publisher (its background thread reads and commits, any thread appends).
// NOTE: records are written with plain write() and no fsync: what is written survives the
// process being killed, not the machine losing power. The cursor is replaced atomically.
class EventSpool {
public:
    static constexpr std::int64_t kDefaultSegmentBytes = std::int64_t(64) << 20;
    static constexpr std::uint32_t kMagic = 0x1ec79af3; // bytes f3 9a c7 1e: never valid UTF-8
    static constexpr int kHeaderBytes = 12;

    EventSpool() = default;
    ~EventSpool();
    EventSpool(const EventSpool &) = delete;
    EventSpool &operator=(const EventSpool &) = delete;

    // Creates `dir` if needed, recovers what is in it (truncating a torn tail, skipping and
    // counting corrupt records) and positions the cursor where the last commit left it.
    // `maxBytes` bounds the pending (appended, not yet committed) bytes.
    bool open(const QString &dir, std::int64_t maxBytes, QString *error = nullptr,
              std::int64_t segmentBytes = kDefaultSegmentBytes);
    // Writes the file data out (fdatasync) and closes; open() may follow.
    void close();
    bool isOpen() const;

    // False, with the reason, when the spool is closed, the record would go past the byte cap,
    // or the write failed (nothing of the record is left behind then).
    bool append(const OutgoingEvent &event, QString *error = nullptr);

    bool empty() const;
    std::uint64_t pendingRecords() const;
    std::int64_t pendingBytes() const;
    std::uint64_t corruptRecords() const;
    std::int64_t maxBytes() const;
    int segmentCount() const;

    // The committed cursor: where a reader starts after open().
    SpoolPosition committed() const;
    // Up to `maxRecords` records (and about `maxBytes` bytes, at least one record) starting at
    // `from`, a position returned by committed() or by an earlier read. Corrupt records on the
    // way are skipped (and counted once).
    SpoolBatch read(const SpoolPosition &from, int maxRecords,
                    std::int64_t maxBytes = std::int64_t(4) << 20);
    // Moves the cursor to `position` (forward only) and persists it; segments wholly behind it
    // are deleted. False when the cursor file cannot be written (the cursor still moves in
    // memory, so the reader goes on; a restart would re-read from the last persisted cursor).
    bool commit(const SpoolPosition &position, QString *error = nullptr);

    // The record encoding, public for tests that damage files on purpose.
    static QByteArray encodePayload(const OutgoingEvent &event);
    static std::optional<OutgoingEvent> decodePayload(const QByteArray &payload);
    static QString segmentFileName(std::uint64_t segment);

private:
    struct Segment {
        std::int64_t size = 0;
    };
    enum class RecordCheck { Valid, Invalid, Incomplete };

    bool openLocked(const QString &dir, std::int64_t maxBytes, std::int64_t segmentBytes,
                    QString *error);
    void closeLocked();
    QString segmentPath(std::uint64_t segment) const;
    int readFd(std::uint64_t segment);
    void closeReadFd();
    RecordCheck checkRecord(int fd, std::int64_t offset, std::int64_t fileSize,
                            QByteArray *payload) const;
    std::int64_t findNextValid(int fd, std::int64_t from, std::int64_t fileSize) const;
    bool scanSegment(std::uint64_t segment, std::int64_t from, bool last, QString *error);
    bool openWriteSegment(std::uint64_t segment, QString *error);
    bool persistCursor(QString *error);
    void deleteSegmentsBefore(std::uint64_t segment);
    std::int64_t pendingBytesLocked() const;
    bool emptyLocked() const;

    mutable std::mutex m_mutex;
    QString m_dir;
    std::int64_t m_maxBytes = 0;
    std::int64_t m_segmentBytes = kDefaultSegmentBytes;
    std::map<std::uint64_t, Segment> m_segments; // id -> size
    std::uint64_t m_writeSegment = 0;
    int m_writeFd = -1;
    int m_readFd = -1;
    std::uint64_t m_readFdSegment = 0;
    SpoolPosition m_committed;
    std::uint64_t m_appendedOrdinal = 0; // ordinal of the last record appended
    std::uint64_t m_corrupt = 0;
    // Corrupt stretches already counted: (segment, offset) -> offset of the next valid record
    // (the segment's size when none follows).
    std::map<std::pair<std::uint64_t, std::int64_t>, std::int64_t> m_skips;
};

} // namespace ToolCapture

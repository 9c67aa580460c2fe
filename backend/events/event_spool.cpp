#include <backend/core/crc32c.h>
#include <backend/core/error_out.h>
#include <backend/core/logging.h>
#include <backend/events/event_spool.h>

#include <QDir>
#include <QRegularExpression>
#include <QSaveFile>
#include <QtEndian>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ToolCapture {

namespace {

constexpr std::uint32_t kCursorMagic = 0x52535543; // "CURS"
constexpr int kCursorBytes = 24;                   // magic, segment, offset, crc32c
constexpr std::uint8_t kPayloadVersion = 1;
constexpr std::int64_t kMaxPayloadBytes = std::int64_t(64) << 20;
constexpr std::int64_t kScanChunk = 64 << 10;

const QLatin1String kCursorFile("cursor");
const QLatin1String kSegmentSuffix(".spool");

bool preadAll(int fd, char *data, std::int64_t size, std::int64_t offset) {
    while (size > 0) {
        const ssize_t n = ::pread(fd, data, size_t(size), off_t(offset));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        size -= n;
        offset += n;
    }
    return true;
}

bool pwriteAll(int fd, const char *data, std::int64_t size, std::int64_t offset) {
    while (size > 0) {
        const ssize_t n = ::pwrite(fd, data, size_t(size), off_t(offset));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        size -= n;
        offset += n;
    }
    return true;
}

QString errnoText() {
    return QString::fromLocal8Bit(std::strerror(errno));
}

void putU32(QByteArray &out, std::uint32_t value) {
    char bytes[4];
    qToLittleEndian(value, bytes);
    out.append(bytes, 4);
}

void putField(QByteArray &out, const QByteArray &field) {
    putU32(out, std::uint32_t(field.size()));
    out.append(field);
}

bool takeField(const char *&cursor, const char *end, QByteArray *field) {
    if (end - cursor < 4)
        return false;
    const std::uint32_t size = qFromLittleEndian<std::uint32_t>(cursor);
    cursor += 4;
    if (std::uint64_t(end - cursor) < size)
        return false;
    *field = QByteArray(cursor, qsizetype(size));
    cursor += size;
    return true;
}

bool positionBefore(const SpoolPosition &a, const SpoolPosition &b) {
    return a.segment < b.segment || (a.segment == b.segment && a.offset < b.offset);
}

} // namespace

EventSpool::~EventSpool() {
    close();
}

QString EventSpool::segmentFileName(std::uint64_t segment) {
    return QStringLiteral("%1").arg(segment, 20, 10, QLatin1Char('0')) + kSegmentSuffix;
}

QByteArray EventSpool::encodePayload(const OutgoingEvent &event) {
    QByteArray out;
    out.reserve(1 + 6 * 4 + 8 + event.topic.size() + event.key.size() + event.value.size() +
                event.ceId.size() + event.ceType.size() + event.ceSource.size());
    out.append(char(kPayloadVersion));
    for (const QByteArray *field :
         {&event.topic, &event.key, &event.value, &event.ceId, &event.ceType, &event.ceSource})
        putField(out, *field);
    char time[8];
    qToLittleEndian(event.timeUs, time);
    out.append(time, 8);
    return out;
}

std::optional<OutgoingEvent> EventSpool::decodePayload(const QByteArray &payload) {
    const char *cursor = payload.constData();
    const char *end = cursor + payload.size();
    if (cursor == end || std::uint8_t(*cursor) != kPayloadVersion)
        return std::nullopt;
    ++cursor;
    OutgoingEvent event;
    for (QByteArray *field :
         {&event.topic, &event.key, &event.value, &event.ceId, &event.ceType, &event.ceSource}) {
        if (!takeField(cursor, end, field))
            return std::nullopt;
    }
    if (end - cursor != 8)
        return std::nullopt;
    event.timeUs = qFromLittleEndian<std::int64_t>(cursor);
    return event;
}

bool EventSpool::open(const QString &dir, std::int64_t maxBytes, QString *error,
                      std::int64_t segmentBytes) {
    std::lock_guard lock(m_mutex);
    closeLocked();
    if (!openLocked(dir, maxBytes, segmentBytes, error)) {
        closeLocked();
        return false;
    }
    return true;
}

bool EventSpool::openLocked(const QString &dir, std::int64_t maxBytes, std::int64_t segmentBytes,
                            QString *error) {
    if (!QDir().mkpath(dir)) {
        setError(error, QStringLiteral("cannot create the spool directory %1").arg(dir));
        return false;
    }
    m_dir = QDir(dir).absolutePath();
    m_maxBytes = maxBytes;
    m_segmentBytes = std::max<std::int64_t>(segmentBytes, kHeaderBytes + 64);
    m_corrupt = 0;
    m_skips.clear();

    static const QRegularExpression namePattern(QStringLiteral("^(\\d{20})\\.spool$"));
    const QFileInfoList files = QDir(m_dir).entryInfoList(QDir::Files, QDir::Name);
    for (const QFileInfo &file : files) {
        const QRegularExpressionMatch match = namePattern.match(file.fileName());
        if (match.hasMatch())
            m_segments[match.captured(1).toULongLong()].size = file.size();
    }

    // The cursor. A missing or damaged cursor file restarts at the oldest segment: re-sending
    // (duplicates) is better than losing.
    m_committed = SpoolPosition{m_segments.empty() ? 1 : m_segments.begin()->first, 0, 0};
    QFile cursorFile(m_dir + QLatin1Char('/') + kCursorFile);
    if (cursorFile.open(QIODevice::ReadOnly)) {
        const QByteArray bytes = cursorFile.readAll();
        const char *data = bytes.constData();
        if (bytes.size() == kCursorBytes &&
            qFromLittleEndian<std::uint32_t>(data) == kCursorMagic &&
            qFromLittleEndian<std::uint32_t>(data + 20) == crc32c(data, 20)) {
            m_committed.segment = qFromLittleEndian<std::uint64_t>(data + 4);
            m_committed.offset = qFromLittleEndian<std::int64_t>(data + 12);
        } else {
            qCWarning(lcEvents) << "spool cursor in" << m_dir
                                << "is damaged; re-reading the spool from its oldest segment";
        }
    }
    deleteSegmentsBefore(m_committed.segment);
    auto current = m_segments.find(m_committed.segment);
    if (current == m_segments.end()) {
        // Its segment was consumed and deleted (the cursor was persisted first).
        current = m_segments.lower_bound(m_committed.segment);
        if (current != m_segments.end())
            m_committed = SpoolPosition{current->first, 0, 0};
        else
            m_committed.offset = 0;
    } else if (m_committed.offset > current->second.size || m_committed.offset < 0) {
        qCWarning(lcEvents) << "spool cursor in" << m_dir << "is past the end of its segment";
        m_committed.offset = current->second.size;
    }

    m_appendedOrdinal = 0;
    for (auto it = m_segments.lower_bound(m_committed.segment); it != m_segments.end(); ++it) {
        const bool last = std::next(it) == m_segments.end();
        const std::int64_t from = it->first == m_committed.segment ? m_committed.offset : 0;
        if (!scanSegment(it->first, from, last, error))
            return false;
    }
    const std::uint64_t writeSegment =
        m_segments.empty() ? m_committed.segment : m_segments.rbegin()->first;
    if (!openWriteSegment(writeSegment, error))
        return false;
    if (m_appendedOrdinal > 0 || m_corrupt > 0)
        qCInfo(lcEvents) << "spool" << m_dir << "holds" << m_appendedOrdinal << "events,"
                         << pendingBytesLocked() << "bytes," << m_corrupt << "corrupt records";
    return true;
}

void EventSpool::close() {
    std::lock_guard lock(m_mutex);
    closeLocked();
}

void EventSpool::closeLocked() {
    closeReadFd();
    if (m_writeFd >= 0) {
        ::fdatasync(m_writeFd);
        ::close(m_writeFd);
        m_writeFd = -1;
    }
    m_segments.clear();
    m_skips.clear();
    m_dir.clear();
    m_appendedOrdinal = 0;
    m_committed = SpoolPosition{};
}

bool EventSpool::isOpen() const {
    std::lock_guard lock(m_mutex);
    return m_writeFd >= 0;
}

QString EventSpool::segmentPath(std::uint64_t segment) const {
    return m_dir + QLatin1Char('/') + segmentFileName(segment);
}

int EventSpool::readFd(std::uint64_t segment) {
    if (m_readFd >= 0 && m_readFdSegment == segment)
        return m_readFd;
    closeReadFd();
    m_readFd = ::open(QFile::encodeName(segmentPath(segment)).constData(), O_RDONLY | O_CLOEXEC);
    m_readFdSegment = segment;
    return m_readFd;
}

void EventSpool::closeReadFd() {
    if (m_readFd >= 0)
        ::close(m_readFd);
    m_readFd = -1;
}

EventSpool::RecordCheck EventSpool::checkRecord(int fd, std::int64_t offset, std::int64_t fileSize,
                                                QByteArray *payload) const {
    if (offset + kHeaderBytes > fileSize)
        return RecordCheck::Incomplete;
    char header[kHeaderBytes];
    if (!preadAll(fd, header, kHeaderBytes, offset))
        return RecordCheck::Incomplete;
    if (qFromLittleEndian<std::uint32_t>(header) != kMagic)
        return RecordCheck::Invalid;
    const std::int64_t size = qFromLittleEndian<std::uint32_t>(header + 4);
    if (size > std::min(kMaxPayloadBytes, m_segmentBytes))
        return RecordCheck::Invalid;
    if (offset + kHeaderBytes + size > fileSize)
        return RecordCheck::Incomplete;
    QByteArray bytes(qsizetype(size), Qt::Uninitialized);
    if (!preadAll(fd, bytes.data(), size, offset + kHeaderBytes))
        return RecordCheck::Incomplete;
    if (crc32c(bytes.constData(), std::size_t(size)) !=
        qFromLittleEndian<std::uint32_t>(header + 8))
        return RecordCheck::Invalid;
    if (size == 0 || std::uint8_t(bytes.at(0)) != kPayloadVersion)
        return RecordCheck::Invalid;
    if (payload)
        *payload = std::move(bytes);
    return RecordCheck::Valid;
}

std::int64_t EventSpool::findNextValid(int fd, std::int64_t from, std::int64_t fileSize) const {
    char magic[4];
    qToLittleEndian(kMagic, magic);
    QByteArray chunk;
    for (std::int64_t start = from; start + kHeaderBytes <= fileSize;) {
        const std::int64_t length = std::min(kScanChunk, fileSize - start);
        chunk.resize(qsizetype(length));
        if (!preadAll(fd, chunk.data(), length, start))
            return -1;
        for (qsizetype at = chunk.indexOf(QByteArrayView(magic, 4)); at >= 0;
             at = chunk.indexOf(QByteArrayView(magic, 4), at + 1)) {
            if (checkRecord(fd, start + at, fileSize, nullptr) == RecordCheck::Valid)
                return start + at;
        }
        // Overlap by three bytes so that a magic split across chunks is still found.
        start += std::max<std::int64_t>(length - 3, 1);
    }
    return -1;
}

bool EventSpool::scanSegment(std::uint64_t segment, std::int64_t from, bool last, QString *error) {
    const QString path = segmentPath(segment);
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        setError(error, QStringLiteral("cannot read %1: %2").arg(path, errnoText()));
        return false;
    }
    std::int64_t &size = m_segments[segment].size;
    std::int64_t offset = from;
    bool ok = true;
    QByteArray payload;
    while (offset < size) {
        if (checkRecord(fd, offset, size, &payload) == RecordCheck::Valid) {
            if (decodePayload(payload)) {
                ++m_appendedOrdinal;
                offset += kHeaderBytes + payload.size();
                continue;
            }
        }
        const std::int64_t next = findNextValid(fd, offset + 1, size);
        if (next < 0 && last) {
            // A crash in the middle of an append: nothing valid follows, cut it off.
            qCWarning(lcEvents) << "spool segment" << path << "has a torn tail of"
                                << (size - offset) << "bytes; truncating it";
            if (::truncate(QFile::encodeName(path).constData(), off_t(offset)) != 0) {
                setError(error, QStringLiteral("cannot truncate %1: %2").arg(path, errnoText()));
                ok = false;
            }
            size = offset;
            break;
        }
        ++m_corrupt;
        const std::int64_t resume = next < 0 ? size : next;
        qCWarning(lcEvents) << "spool segment" << path << "has a corrupt record at" << offset
                            << "; skipping" << (resume - offset) << "bytes";
        m_skips[{segment, offset}] = resume;
        offset = resume;
    }
    ::close(fd);
    return ok;
}

bool EventSpool::openWriteSegment(std::uint64_t segment, QString *error) {
    if (m_writeFd >= 0)
        ::close(m_writeFd);
    const QString path = segmentPath(segment);
    m_writeFd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (m_writeFd < 0) {
        setError(error, QStringLiteral("cannot open %1: %2").arg(path, errnoText()));
        return false;
    }
    m_writeSegment = segment;
    m_segments.try_emplace(segment);
    return true;
}

bool EventSpool::append(const OutgoingEvent &event, QString *error) {
    const QByteArray payload = encodePayload(event);
    QByteArray record;
    record.reserve(kHeaderBytes + payload.size());
    putU32(record, kMagic);
    putU32(record, std::uint32_t(payload.size()));
    putU32(record, crc32c(payload.constData(), std::size_t(payload.size())));
    record.append(payload);
    const std::int64_t recordBytes = record.size();

    std::lock_guard lock(m_mutex);
    if (m_writeFd < 0) {
        setError(error, QStringLiteral("the spool is not open"));
        return false;
    }
    if (payload.size() > std::min(kMaxPayloadBytes, m_segmentBytes - kHeaderBytes)) {
        setError(
            error,
            QStringLiteral("event of %1 bytes is too large for the spool").arg(payload.size()));
        return false;
    }
    if (pendingBytesLocked() + recordBytes > m_maxBytes) {
        setError(error, QStringLiteral("the spool is full (%1 bytes)").arg(m_maxBytes));
        return false;
    }
    std::int64_t size = m_segments[m_writeSegment].size;
    if (size > 0 && size + recordBytes > m_segmentBytes) {
        if (!openWriteSegment(m_writeSegment + 1, error))
            return false;
        size = 0;
    }
    if (!pwriteAll(m_writeFd, record.constData(), recordBytes, size)) {
        setError(
            error,
            QStringLiteral("cannot write to %1: %2").arg(segmentPath(m_writeSegment), errnoText()));
        // Leave no partial record behind for the next append to follow.
        if (::ftruncate(m_writeFd, off_t(size)) != 0)
            qCWarning(lcEvents) << "cannot truncate" << segmentPath(m_writeSegment);
        return false;
    }
    m_segments[m_writeSegment].size = size + recordBytes;
    ++m_appendedOrdinal;
    return true;
}

std::int64_t EventSpool::pendingBytesLocked() const {
    std::int64_t bytes = 0;
    for (auto it = m_segments.lower_bound(m_committed.segment); it != m_segments.end(); ++it)
        bytes += it->second.size - (it->first == m_committed.segment ? m_committed.offset : 0);
    return bytes;
}

bool EventSpool::emptyLocked() const {
    return pendingBytesLocked() == 0;
}

bool EventSpool::empty() const {
    std::lock_guard lock(m_mutex);
    return emptyLocked();
}

std::uint64_t EventSpool::pendingRecords() const {
    std::lock_guard lock(m_mutex);
    return m_appendedOrdinal > m_committed.ordinal ? m_appendedOrdinal - m_committed.ordinal : 0;
}

std::int64_t EventSpool::pendingBytes() const {
    std::lock_guard lock(m_mutex);
    return pendingBytesLocked();
}

std::uint64_t EventSpool::corruptRecords() const {
    std::lock_guard lock(m_mutex);
    return m_corrupt;
}

std::int64_t EventSpool::maxBytes() const {
    std::lock_guard lock(m_mutex);
    return m_maxBytes;
}

int EventSpool::segmentCount() const {
    std::lock_guard lock(m_mutex);
    return int(m_segments.size());
}

SpoolPosition EventSpool::committed() const {
    std::lock_guard lock(m_mutex);
    return m_committed;
}

SpoolBatch EventSpool::read(const SpoolPosition &from, int maxRecords, std::int64_t maxBytes) {
    std::lock_guard lock(m_mutex);
    SpoolBatch batch;
    SpoolPosition position = positionBefore(from, m_committed) ? m_committed : from;
    std::int64_t bytes = 0;
    QByteArray payload;
    while (int(batch.records.size()) < maxRecords && (bytes < maxBytes || batch.records.empty())) {
        const auto segment = m_segments.lower_bound(position.segment);
        if (segment == m_segments.end()) {
            batch.atEnd = true;
            break;
        }
        if (segment->first != position.segment)
            position = SpoolPosition{segment->first, 0, position.ordinal};
        const std::int64_t size = segment->second.size;
        if (position.offset >= size) {
            if (std::next(segment) == m_segments.end()) {
                batch.atEnd = true;
                break;
            }
            position = SpoolPosition{std::next(segment)->first, 0, position.ordinal};
            continue;
        }
        if (auto skip = m_skips.find({position.segment, position.offset}); skip != m_skips.end()) {
            position.offset = skip->second;
            continue;
        }
        const int fd = readFd(position.segment);
        if (fd < 0) {
            qCWarning(lcEvents) << "cannot read spool segment" << segmentPath(position.segment)
                                << errnoText();
            break;
        }
        std::optional<OutgoingEvent> event;
        if (checkRecord(fd, position.offset, size, &payload) == RecordCheck::Valid)
            event = decodePayload(payload);
        if (!event) {
            // Damaged after open() scanned it: skip it the same way, counted once.
            const std::int64_t next = findNextValid(fd, position.offset + 1, size);
            const std::int64_t resume = next < 0 ? size : next;
            ++m_corrupt;
            qCWarning(lcEvents) << "spool segment" << segmentPath(position.segment)
                                << "has a corrupt record at" << position.offset << "; skipping"
                                << (resume - position.offset) << "bytes";
            m_skips[{position.segment, position.offset}] = resume;
            position.offset = resume;
            continue;
        }
        position.offset += kHeaderBytes + payload.size();
        ++position.ordinal;
        bytes += kHeaderBytes + payload.size();
        batch.records.push_back(SpoolRecord{std::move(*event), position});
    }
    batch.next = position;
    return batch;
}

bool EventSpool::commit(const SpoolPosition &position, QString *error) {
    std::lock_guard lock(m_mutex);
    if (m_writeFd < 0) {
        setError(error, QStringLiteral("the spool is not open"));
        return false;
    }
    if (positionBefore(position, m_committed) || position == m_committed)
        return true;
    SpoolPosition target = position;
    // A position at the end of a sealed segment is the start of the next one.
    for (auto segment = m_segments.find(target.segment);
         segment != m_segments.end() && std::next(segment) != m_segments.end() &&
         target.offset >= segment->second.size;
         ++segment)
        target = SpoolPosition{std::next(segment)->first, 0, target.ordinal};
    m_committed = target;
    bool ok = true;
    if (emptyLocked()) {
        m_appendedOrdinal = m_committed.ordinal;
        // Drained: start a fresh segment so the consumed one can go.
        if (m_segments[m_writeSegment].size > 0) {
            ok = openWriteSegment(m_writeSegment + 1, error);
            if (ok)
                m_committed = SpoolPosition{m_writeSegment, 0, m_committed.ordinal};
        }
    }
    ok = persistCursor(error) && ok;
    deleteSegmentsBefore(m_committed.segment);
    return ok;
}

bool EventSpool::persistCursor(QString *error) {
    char bytes[kCursorBytes];
    qToLittleEndian(kCursorMagic, bytes);
    qToLittleEndian(m_committed.segment, bytes + 4);
    qToLittleEndian(m_committed.offset, bytes + 12);
    qToLittleEndian(crc32c(bytes, 20), bytes + 20);
    QSaveFile file(m_dir + QLatin1Char('/') + kCursorFile);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes, kCursorBytes) != kCursorBytes ||
        !file.commit()) {
        setError(error,
                 QStringLiteral("cannot write the spool cursor: %1").arg(file.errorString()));
        return false;
    }
    return true;
}

void EventSpool::deleteSegmentsBefore(std::uint64_t segment) {
    for (auto it = m_segments.begin(); it != m_segments.end() && it->first < segment;) {
        if (m_readFd >= 0 && m_readFdSegment == it->first)
            closeReadFd();
        const QString path = segmentPath(it->first);
        if (!QFile::remove(path) && QFile::exists(path))
            qCWarning(lcEvents) << "cannot delete the consumed spool segment" << path;
        for (auto skip = m_skips.lower_bound({it->first, 0});
             skip != m_skips.end() && skip->first.first == it->first;)
            skip = m_skips.erase(skip);
        it = m_segments.erase(it);
    }
}

} // namespace ToolCapture

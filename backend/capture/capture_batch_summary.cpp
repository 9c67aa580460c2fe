#include <backend/capture/capture_batch_summary.h>
#include <backend/capture/varint.h>

#include <algorithm>
#include <bit>

namespace ToolCapture {

namespace {

constexpr char kFormat = 1;
constexpr int kProbes = 4;
constexpr std::uint64_t kBitsPerRecord = 16;
constexpr std::uint64_t kMinBits = 64;
// Past this, a summary is corrupt rather than large.
constexpr std::uint64_t kMaxBloomBytes = 16u << 20;

void putBytes(QByteArray &out, QByteArrayView bytes) {
    Varint::put(out, std::uint64_t(bytes.size()));
    out.append(bytes.data(), bytes.size());
}

class Input {
public:
    explicit Input(QByteArrayView data)
        : m_p(data.data())
        , m_end(data.data() + data.size()) {}
    bool ok() const { return m_ok; }
    bool atEnd() const { return m_p == m_end; }
    std::uint64_t varint() {
        std::uint64_t value = 0;
        for (int shift = 0; shift < 64 && m_p != m_end; shift += 7) {
            const auto b = static_cast<unsigned char>(*m_p++);
            value |= std::uint64_t(b & 0x7f) << shift;
            if (!(b & 0x80))
                return value;
        }
        m_ok = false;
        return 0;
    }
    QByteArray bytes() {
        const std::uint64_t length = varint();
        if (!m_ok || length > std::uint64_t(m_end - m_p)) {
            m_ok = false;
            return QByteArray();
        }
        QByteArray data(m_p, qsizetype(length));
        m_p += length;
        return data;
    }
    // A count of items each at least one byte long.
    std::uint64_t count() {
        const std::uint64_t n = varint();
        if (n > std::uint64_t(m_end - m_p))
            m_ok = false;
        return m_ok ? n : 0;
    }

private:
    const char *m_p;
    const char *m_end;
    bool m_ok = true;
};

std::uint64_t bloomBits(std::uint64_t records) {
    return std::bit_ceil(std::max(kMinBits, records * kBitsPerRecord));
}

// The kProbes bit positions of a hash in a filter of `bits` bits (double hashing).
template<typename F>
void forEachProbe(std::uint64_t hash, std::uint64_t bits, F &&f) {
    const std::uint64_t h1 = hash & 0xffffffffu;
    const std::uint64_t h2 = (hash >> 32) | 1;
    for (int i = 0; i < kProbes; ++i)
        f((h1 + std::uint64_t(i) * h2) & (bits - 1));
}

} // namespace

template<typename T>
void CaptureBatchSummary::Distinct<T>::add(const T &value) {
    if (overflow || std::find(values.begin(), values.end(), value) != values.end())
        return;
    if (values.size() == kMaxDistinct) {
        overflow = true;
        values.clear();
        return;
    }
    values.push_back(value);
}

template<typename T>
bool CaptureBatchSummary::Distinct<T>::mayContain(const T &value) const {
    return overflow || std::find(values.begin(), values.end(), value) != values.end();
}

std::uint64_t CaptureBatchSummary::correlationHash(QByteArrayView correlationId) noexcept {
    std::uint64_t hash = 14695981039346656037ull;
    for (const char c : correlationId) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ull;
    }
    return hash;
}

void CaptureBatchSummary::clear() {
    *this = CaptureBatchSummary();
}

void CaptureBatchSummary::add(const CaptureRecord &record) {
    m_statusClasses |= 1u << std::clamp(record.status / 100, 0, 9);
    m_statuses.add(record.status);
    m_services.add(record.service);
    m_instances.add(record.instance);
    m_methods.add(record.method);
    if (m_count == 0 || record.path < m_minPath)
        m_minPath = record.path;
    if (m_count == 0 || record.path > m_maxPath)
        m_maxPath = record.path;
    m_hashes.push_back(correlationHash(record.correlationId));
    ++m_count;
}

void CaptureBatchSummary::serialize(QByteArray &out) const {
    out.append(kFormat);
    Varint::put(out, m_count);
    Varint::put(out, m_statusClasses);
    Varint::put(out, m_statuses.overflow ? 0 : m_statuses.values.size() + 1);
    for (const int status : m_statuses.values)
        Varint::put(out, std::uint64_t(std::uint32_t(status)));
    for (const auto *strings : {&m_services, &m_instances}) {
        Varint::put(out, strings->overflow ? 0 : strings->values.size() + 1);
        for (const QString &value : strings->values)
            putBytes(out, value.toUtf8());
    }
    Varint::put(out, m_methods.overflow ? 0 : m_methods.values.size() + 1);
    for (const QByteArray &method : m_methods.values)
        putBytes(out, method);
    putBytes(out, m_minPath);
    putBytes(out, m_maxPath);
    const std::uint64_t bits = bloomBits(m_count);
    Varint::put(out, bits / 8);
    const qsizetype filter = out.size();
    out.resize(filter + qsizetype(bits / 8), '\0');
    auto *bytes = reinterpret_cast<unsigned char *>(out.data() + filter);
    for (const std::uint64_t hash : m_hashes)
        forEachProbe(hash, bits, [&](std::uint64_t bit) { bytes[bit / 8] |= 1u << (bit % 8); });
}

bool CaptureBatchSummary::parse(QByteArrayView data) {
    clear();
    if (data.isEmpty() || data.front() != kFormat)
        return false;
    Input in(data.sliced(1));
    m_count = std::uint32_t(in.varint());
    m_statusClasses = std::uint32_t(in.varint());
    const auto readSet = [&](auto &set, auto &&read) {
        const std::uint64_t n = in.count();
        set.overflow = n == 0;
        for (std::uint64_t i = 1; i < n && in.ok(); ++i)
            set.values.push_back(read());
    };
    readSet(m_statuses, [&] { return int(std::int32_t(std::uint32_t(in.varint()))); });
    readSet(m_services, [&] { return QString::fromUtf8(in.bytes()); });
    readSet(m_instances, [&] { return QString::fromUtf8(in.bytes()); });
    readSet(m_methods, [&] { return in.bytes(); });
    m_minPath = in.bytes();
    m_maxPath = in.bytes();
    m_bloom = in.bytes();
    if (!in.ok() || !in.atEnd() || m_bloom.isEmpty() ||
        std::uint64_t(m_bloom.size()) > kMaxBloomBytes ||
        !std::has_single_bit(std::uint64_t(m_bloom.size()))) {
        clear();
        return false;
    }
    return true;
}

bool CaptureBatchSummary::mayContainCorrelationId(QByteArrayView correlationId) const {
    if (m_bloom.isEmpty())
        return true;
    const auto *bytes = reinterpret_cast<const unsigned char *>(m_bloom.constData());
    const std::uint64_t bits = std::uint64_t(m_bloom.size()) * 8;
    bool all = true;
    forEachProbe(correlationHash(correlationId), bits,
                 [&](std::uint64_t bit) { all = all && (bytes[bit / 8] & (1u << (bit % 8))); });
    return all;
}

bool CaptureBatchSummary::mayMatch(const CaptureQuery &q) const {
    if (q.status != 0 && !m_statuses.mayContain(q.status))
        return false;
    if (q.statusClass != 0 &&
        (q.statusClass < 0 || q.statusClass > 9 || !(m_statusClasses & (1u << q.statusClass))))
        return false;
    if (!q.service.isEmpty() && !m_services.mayContain(q.service))
        return false;
    if (!q.instance.isEmpty() && !m_instances.mayContain(q.instance))
        return false;
    if (!q.method.isEmpty() && !m_methods.mayContain(q.method))
        return false;
    // Some path in [minPath, maxPath] may start with the prefix.
    // A path starting with the prefix lies in [prefix, the first string above all that start
    // with it): the batch's [minPath, maxPath] must overlap that.
    if (!q.pathPrefix.isEmpty() &&
        (m_maxPath < q.pathPrefix ||
         (m_minPath > q.pathPrefix && !m_minPath.startsWith(q.pathPrefix))))
        return false;
    if (!q.correlationId.isEmpty() && !mayContainCorrelationId(q.correlationId))
        return false;
    return true;
}

} // namespace ToolCapture

#include <backend/capture/capture_header_filter.h>

#include <algorithm>
#include <cstring>

namespace ToolCapture {

namespace {

constexpr char toLowerAscii(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

// `lower` is already lower-case and of the same length as `name`.
bool equalsLower(QByteArrayView name, const QByteArray &lower) noexcept {
    const char *a = name.data();
    const char *b = lower.constData();
    for (qsizetype i = 0, n = name.size(); i < n; ++i) {
        if (toLowerAscii(a[i]) != b[i])
            return false;
    }
    return true;
}

// One bit per input field for the first 64 fields, so the output grows by exactly the number
// kept; fields past the 64th (rare) are classified a second time instead.
constexpr size_t kMarkedFields = 64;

} // namespace

CaptureHeaderFilter::CaptureHeaderFilter(const CaptureConfig &config)
    : CaptureHeaderFilter(config.headers) {}

CaptureHeaderFilter::CaptureHeaderFilter(const QStringList &allowlist)
    : m_redacted(QByteArray::fromRawData(CaptureRecord::kRedacted,
                                         qsizetype(std::strlen(CaptureRecord::kRedacted)))) {
    for (const QString &name : allowlist) {
        QByteArray lower = name.trimmed().toLatin1().toLower();
        if (lower.isEmpty())
            continue;
        const bool known = std::any_of(m_entries.begin(), m_entries.end(),
                                       [&](const Entry &e) { return e.lowerName == lower; });
        if (known)
            continue;
        const Action action = isSensitive(lower) ? Action::Redact : Action::Keep;
        m_entries.push_back({std::move(lower), action});
    }
    std::stable_sort(m_entries.begin(), m_entries.end(), [](const Entry &a, const Entry &b) {
        return a.lowerName.size() < b.lowerName.size();
    });
    size_t index = 0;
    for (qsizetype length = 0; length <= kBucketedLength + 1; ++length) {
        while (index < m_entries.size() && m_entries[index].lowerName.size() < length)
            ++index;
        m_byLength[size_t(length)] = std::uint16_t(index);
    }
}

bool CaptureHeaderFilter::isSensitive(QByteArrayView name) noexcept {
    switch (name.size()) {
    case 6:
        return equalsIgnoreCase(name, "cookie");
    case 10:
        return equalsIgnoreCase(name, "set-cookie");
    case 13:
        return equalsIgnoreCase(name, "authorization");
    case 19:
        return equalsIgnoreCase(name, "proxy-authorization");
    default:
        return false;
    }
}

CaptureHeaderFilter::Action CaptureHeaderFilter::classify(QByteArrayView name) const noexcept {
    const qsizetype length = name.size();
    size_t begin;
    size_t end;
    if (length <= kBucketedLength) {
        begin = m_byLength[size_t(length)];
        end = m_byLength[size_t(length) + 1];
    } else {
        begin = m_byLength[kBucketedLength + 1];
        end = m_entries.size();
    }
    for (size_t i = begin; i < end; ++i) {
        const Entry &entry = m_entries[i];
        if (entry.lowerName.size() == length && equalsLower(name, entry.lowerName))
            return entry.action;
    }
    return Action::Drop;
}

bool CaptureHeaderFilter::allows(QByteArrayView name) const noexcept {
    return classify(name) != Action::Drop;
}

void CaptureHeaderFilter::capture(const HttpHeaders &in, std::vector<CapturedHeader> &out) const {
    std::uint64_t keep = 0;
    std::uint64_t redact = 0;
    size_t kept = 0;
    const size_t marked = std::min(in.size(), kMarkedFields);
    for (size_t i = 0; i < marked; ++i) {
        const Action action = classify(in[i].name);
        if (action == Action::Drop)
            continue;
        keep |= std::uint64_t(1) << i;
        if (action == Action::Redact)
            redact |= std::uint64_t(1) << i;
        ++kept;
    }
    for (size_t i = marked; i < in.size(); ++i)
        kept += classify(in[i].name) != Action::Drop ? 1 : 0;
    if (kept == 0)
        return;

    out.reserve(out.size() + kept);
    for (size_t i = 0; i < marked; ++i) {
        const std::uint64_t bit = std::uint64_t(1) << i;
        if (keep & bit)
            out.push_back({in[i].name, (redact & bit) ? m_redacted : in[i].value});
    }
    for (size_t i = marked; i < in.size(); ++i) {
        const Action action = classify(in[i].name);
        if (action != Action::Drop)
            out.push_back({in[i].name, action == Action::Redact ? m_redacted : in[i].value});
    }
}

void CaptureHeaderFilter::capture(const HttpHeaders &in, std::vector<CapturedHeader> &out,
                                  std::vector<CapturedHeader> &spare) const {
    for (const HttpHeader &field : in) {
        const Action action = classify(field.name);
        if (action == Action::Drop)
            continue;
        CapturedHeader &header = out.emplace_back();
        if (!spare.empty()) {
            header = std::move(spare.back());
            spare.pop_back();
        }
        assignReusing(header.name, field.name);
        assignReusing(header.value, action == Action::Redact ? QByteArrayView(m_redacted)
                                                             : QByteArrayView(field.value));
    }
}

} // namespace ToolCapture

#include <backend/intelligence/path_templater.h>

#include <algorithm>

namespace ToolCapture {

namespace {

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

bool isHex(char c) {
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool isUuid(QByteArrayView s) {
    if (s.size() != 36)
        return false;
    for (qsizetype i = 0; i < 36; ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isHex(s[i]))
            return false;
    }
    return true;
}

// Base64url-ish material of some length mixing letters and digits: session ids, JWT parts,
// signed URLs' signatures.
bool isToken(QByteArrayView s) {
    if (s.size() < 20)
        return false;
    bool digit = false;
    bool letter = false;
    for (const char c : s) {
        if (isDigit(c))
            digit = true;
        else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            letter = true;
        else if (c != '-' && c != '_' && c != '.' && c != '=' && c != '~' && c != '%')
            return false;
    }
    return digit && letter;
}

} // namespace

PathTemplater::PathTemplater()
    : PathTemplater(Options{}) {}

PathTemplater::PathTemplater(Options options)
    : m_options(options) {
    m_options.learnThreshold = std::max(1, m_options.learnThreshold);
    m_options.maxNodes = std::max(1, m_options.maxNodes);
    m_options.maxSegments = std::max(1, m_options.maxSegments);
    m_nodes.emplace_back(); // the root
}

QByteArrayView PathTemplater::placeholderFor(QByteArrayView s) {
    if (s.isEmpty())
        return {};
    if (std::all_of(s.begin(), s.end(), isDigit))
        return "{id}";
    if (isUuid(s))
        return "{uuid}";
    // Hashes and object ids: hex of some length with at least one digit (so that words such
    // as "deadbeef" or "facade" stay words).
    if (s.size() >= 8 && std::all_of(s.begin(), s.end(), isHex) &&
        std::any_of(s.begin(), s.end(), isDigit))
        return "{hex}";
    if (isToken(s))
        return "{token}";
    return {};
}

QStringList PathTemplater::setOverrides(const QStringList &templates) {
    QStringList refused;
    m_overrides.clear();
    for (const QString &text : templates) {
        if (!text.startsWith(QLatin1Char('/'))) {
            refused.append(QStringLiteral("%1: must start with /").arg(text));
            continue;
        }
        Override o;
        o.text = text.toUtf8();
        const QList<QByteArray> parts = o.text.mid(1).split('/');
        bool ok = true;
        for (qsizetype i = 0; i < parts.size(); ++i) {
            const QByteArray &part = parts[i];
            const bool opens = part.contains('{');
            const bool closes = part.contains('}');
            if (opens != closes || (opens && (!part.startsWith('{') || !part.endsWith('}') ||
                                              part.count('{') != 1 || part.size() < 3))) {
                refused.append(
                    QStringLiteral("%1: a placeholder must be a whole segment, as {name}")
                        .arg(text));
                ok = false;
                break;
            }
            if (part.endsWith("...}")) {
                if (i != parts.size() - 1) {
                    refused.append(
                        QStringLiteral("%1: {rest...} must be the last segment").arg(text));
                    ok = false;
                    break;
                }
                o.rest = true;
                continue;
            }
            o.segments.push_back(part);
        }
        if (ok)
            m_overrides.push_back(std::move(o));
    }
    return refused;
}

const PathTemplater::Override *
PathTemplater::matchOverride(const std::vector<QByteArrayView> &segments) const {
    for (const Override &o : m_overrides) {
        if (o.rest ? segments.size() < o.segments.size() : segments.size() != o.segments.size())
            continue;
        bool match = true;
        for (size_t i = 0; i < o.segments.size() && match; ++i)
            match = o.segments[i].startsWith('{') || o.segments[i] == segments[i];
        if (match)
            return &o;
    }
    return nullptr;
}

std::uint32_t PathTemplater::child(std::uint32_t node, const QByteArray &key, bool literal) {
    if (const auto it = m_nodes[node].children.find(key); it != m_nodes[node].children.end())
        return it->second;
    if (int(m_nodes.size()) >= m_options.maxNodes)
        return UINT32_MAX; // full: the caller uses {param}
    const auto index = std::uint32_t(m_nodes.size());
    m_nodes.emplace_back(); // may move the nodes: index again below
    m_nodes[node].children.emplace(key, index);
    if (literal)
        ++m_nodes[node].literals;
    return index;
}

QByteArray PathTemplater::templateFor(QByteArrayView path) {
    if (const qsizetype query = path.indexOf('?'); query >= 0)
        path = path.first(query);
    m_segments.clear();
    qsizetype start = path.startsWith('/') ? 1 : 0;
    while (start <= path.size()) {
        qsizetype end = path.indexOf('/', start);
        if (end < 0)
            end = path.size();
        if (end > start) // "//" and a trailing "/" add nothing
            m_segments.push_back(path.sliced(start, end - start));
        start = end + 1;
    }
    if (const Override *o = matchOverride(m_segments))
        return o->text;

    static const QByteArray kParam = QByteArrayLiteral("{param}");
    QByteArray result;
    result.reserve(path.size() + 8);
    std::uint32_t node = 0;
    const size_t depth = std::min(m_segments.size(), size_t(m_options.maxSegments));
    for (size_t i = 0; i < depth; ++i) {
        const QByteArrayView segment = m_segments[i];
        QByteArray key;
        bool literal = false;
        if (const QByteArrayView placeholder = placeholderFor(segment); !placeholder.isEmpty()) {
            key = placeholder.toByteArray();
        } else if (node != UINT32_MAX && !m_nodes[node].collapsed) {
            key = segment.toByteArray();
            literal = true;
            const bool known = m_nodes[node].children.contains(key);
            if (!known && int(m_nodes[node].literals) >= m_options.learnThreshold) {
                // Too many different values here: an identifier of some kind from now on.
                m_nodes[node].collapsed = true;
                key = kParam;
                literal = false;
            }
        } else {
            key = kParam;
        }
        result.append('/');
        if (node == UINT32_MAX) {
            result.append(literal ? kParam : key);
            continue;
        }
        const std::uint32_t next = child(node, key, literal);
        result.append(next == UINT32_MAX && literal ? kParam : key);
        node = next;
    }
    if (m_segments.size() > depth)
        result.append("/{rest}");
    if (result.isEmpty())
        result = "/";
    return result;
}

} // namespace ToolCapture

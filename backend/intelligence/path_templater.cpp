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

// Identifiers with a word in front: a few letters, "-" or "_", and at least three digits
// ("SKU-1001", "INV_000042", "order-123456"). Versions ("v2") and words with a short number
// ("covid-19", "utf-8") stay words.
bool isPrefixedNumber(QByteArrayView s) {
    qsizetype letters = 0;
    while (letters < s.size() &&
           ((s[letters] >= 'a' && s[letters] <= 'z') || (s[letters] >= 'A' && s[letters] <= 'Z')))
        ++letters;
    if (letters == 0 || letters + 4 > s.size())
        return false;
    if (s[letters] != '-' && s[letters] != '_')
        return false;
    const QByteArrayView digits = s.sliced(letters + 1);
    return std::all_of(digits.begin(), digits.end(), isDigit);
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
    if (std::all_of(s.begin(), s.end(), isDigit) || isPrefixedNumber(s))
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

QString PathTemplater::checkTemplate(QStringView text) {
    if (!text.startsWith(QLatin1Char('/')))
        return QStringLiteral("must start with /");
    const QList<QStringView> parts = text.mid(1).split(QLatin1Char('/'));
    for (qsizetype i = 0; i < parts.size(); ++i) {
        const QStringView part = parts[i];
        const bool opens = part.contains(QLatin1Char('{'));
        const bool closes = part.contains(QLatin1Char('}'));
        if (opens != closes ||
            (opens && (!part.startsWith(QLatin1Char('{')) || !part.endsWith(QLatin1Char('}')) ||
                       part.count(QLatin1Char('{')) != 1 || part.size() < 3)))
            return QStringLiteral("a placeholder must be a whole segment, as {name}");
        if (part.endsWith(QLatin1String("...}")) && i != parts.size() - 1)
            return QStringLiteral("{rest...} must be the last segment");
    }
    return {};
}

QStringList PathTemplater::setOverrides(const QStringList &templates, const QString &service) {
    QStringList refused;
    m_overrides.erase(
        std::remove_if(m_overrides.begin(), m_overrides.end(),
                       [&service](const Override &o) { return o.service == service; }),
        m_overrides.end());
    std::vector<Override> added;
    for (const QString &text : templates) {
        if (const QString why = checkTemplate(text); !why.isEmpty()) {
            refused.append(QStringLiteral("%1: %2").arg(text, why));
            continue;
        }
        Override o;
        o.service = service;
        o.text = text.toUtf8();
        const QList<QByteArray> parts = o.text.mid(1).split('/');
        for (const QByteArray &part : parts) {
            if (part.endsWith("...}"))
                o.rest = true; // the last one (checked)
            else
                o.segments.push_back(part);
        }
        added.push_back(std::move(o));
    }
    // A service's own overrides first, in their order; those for every service last.
    const auto global = std::find_if(m_overrides.begin(), m_overrides.end(),
                                     [](const Override &o) { return o.service.isEmpty(); });
    m_overrides.insert(service.isEmpty() ? m_overrides.end() : global,
                       std::make_move_iterator(added.begin()),
                       std::make_move_iterator(added.end()));
    return refused;
}

void PathTemplater::setLiterals(const QStringList &segments, const QString &service) {
    m_literals.erase(std::remove_if(m_literals.begin(), m_literals.end(),
                                    [&service](const auto &l) { return l.first == service; }),
                     m_literals.end());
    for (const QString &segment : segments)
        m_literals.emplace_back(service, segment.toUtf8());
}

QByteArray PathTemplater::overrideFor(QByteArrayView path, QStringView service) const {
    if (m_overrides.empty())
        return {};
    if (const qsizetype query = path.indexOf('?'); query >= 0)
        path = path.first(query);
    std::vector<QByteArrayView> segments;
    qsizetype start = path.startsWith('/') ? 1 : 0;
    while (start <= path.size()) {
        qsizetype end = path.indexOf('/', start);
        if (end < 0)
            end = path.size();
        if (end > start) // as templateFor() splits
            segments.push_back(path.sliced(start, end - start));
        start = end + 1;
    }
    const Override *o = matchOverride(segments, service);
    return o ? o->text : QByteArray();
}

bool PathTemplater::isLiteral(QByteArrayView segment, QStringView service) const {
    for (const auto &[owner, literal] : m_literals) {
        if (literal == segment && (owner.isEmpty() || owner == service))
            return true;
    }
    return false;
}

const PathTemplater::Override *
PathTemplater::matchOverride(const std::vector<QByteArrayView> &segments,
                             QStringView service) const {
    for (const Override &o : m_overrides) {
        if (!o.service.isEmpty() && o.service != service)
            continue;
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

QByteArray PathTemplater::templateFor(QByteArrayView path, QStringView service) {
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
    if (const Override *o = matchOverride(m_segments, service))
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
        // A configured literal stays itself wherever it is.
        const bool pinned = !m_literals.empty() && isLiteral(segment, service);
        if (pinned) {
            key = segment.toByteArray();
            literal = true;
        } else if (const QByteArrayView placeholder = placeholderFor(segment);
                   !placeholder.isEmpty()) {
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
            // A collapsed place (or a full tree): every value is {param}, those seen before it
            // collapsed too; they would otherwise stay operations of their own for ever.
            key = kParam;
        }
        result.append('/');
        if (node == UINT32_MAX) {
            result.append(literal && !pinned ? kParam : key);
            continue;
        }
        const std::uint32_t next = child(node, key, literal);
        result.append(next == UINT32_MAX && literal && !pinned ? kParam : key);
        node = next;
    }
    if (m_segments.size() > depth)
        result.append("/{rest}");
    if (result.isEmpty())
        result = "/";
    return result;
}

} // namespace ToolCapture

#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ToolCapture {

// Turns request paths into operation templates ("/users/42/orders" -> "/users/{id}/orders"), so
// that statistics are kept per operation and not per URL. A segment becomes a placeholder when
// it looks like an identifier ({id} numbers, {uuid}, {hex} hashes and object ids, {token} long
// opaque strings), or when the templater has seen too many different values at its place
// ({param}: learned high cardinality, such as user names). Operators' overrides ("/users/{name}"),
// for every service or for one, win over both; their literals ("search", "me") are never made
// placeholders. Memory is bounded whatever the paths: the tree of segments it learns from has
// at most `maxNodes` nodes, and beyond that new segments are {param}.
// One per analyser thread: not thread-safe.
class PathTemplater {
public:
    struct Options {
        // Different literal segments seen at one place before that place becomes {param}.
        int learnThreshold = 50;
        int maxNodes = 10000; // per templater
        int maxSegments = 32; // deeper paths end in "/{rest}"
    };

    PathTemplater();
    explicit PathTemplater(Options options);

    // Overrides, e.g. "/users/{name}/avatar": a segment in braces matches any one segment, a
    // last segment "{rest...}" any number. The first that matches a path is its template; a
    // service's own overrides are tried before those for every service (`service` empty).
    // Replaces that service's overrides. Returns the overrides refused, with the reason (see
    // checkTemplate()); the others are kept.
    QStringList setOverrides(const QStringList &templates, const QString &service = {});
    // Segments that stay literal wherever they are seen (for `service`, or for every service
    // when empty): never a placeholder, neither by their shape nor by learning, e.g. "me" in
    // "/users/me" next to "/users/{param}". Replaces that service's literals.
    void setLiterals(const QStringList &segments, const QString &service = {});

    // The template of `path` (its query, if any, is ignored) for `service`; learns from it.
    QByteArray templateFor(QByteArrayView path, QStringView service = {});

    // Why `text` is not a valid override, or empty when it is one: it must start with "/", a
    // placeholder must be a whole segment ("{name}", not "x{name}" or "{}"), "{rest...}" only
    // last.
    static QString checkTemplate(QStringView text);

    // Read-only (any number of threads may call these on a templater nobody changes any more):
    // the text of the override matching `path` for `service`, or empty; whether `segment` is a
    // configured literal for `service`. The response cache names operations with them.
    QByteArray overrideFor(QByteArrayView path, QStringView service = {}) const;
    bool isLiteral(QByteArrayView segment, QStringView service = {}) const;

    int nodeCount() const noexcept { return int(m_nodes.size()); }

    // The placeholder a segment gets on its own, or empty when it is a literal.
    static QByteArrayView placeholderFor(QByteArrayView segment);

private:
    struct Node {
        std::unordered_map<QByteArray, std::uint32_t> children; // segment or placeholder
        std::uint32_t literals = 0; // children that are literal segments
        bool collapsed = false;     // literals here are {param}
    };
    struct Override {
        QString service;                  // empty: every service
        std::vector<QByteArray> segments; // "{...}" matches one
        bool rest = false;                // the last one matches any number
        QByteArray text;
    };

    std::uint32_t child(std::uint32_t node, const QByteArray &key, bool literal);
    const Override *matchOverride(const std::vector<QByteArrayView> &segments,
                                  QStringView service) const;

    Options m_options;
    std::vector<Node> m_nodes;
    std::vector<Override> m_overrides; // services' own first, then those for all
    std::vector<std::pair<QString, QByteArray>> m_literals; // service (empty: all), segment
    std::vector<QByteArrayView> m_segments;                 // scratch
};

} // namespace ToolCapture

#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace ToolCapture {

// Turns request paths into operation templates ("/users/42/orders" -> "/users/{id}/orders"), so
// that statistics are kept per operation and not per URL. A segment becomes a placeholder when
// it looks like an identifier ({id} numbers, {uuid}, {hex} hashes and object ids, {token} long
// opaque strings), or when the templater has seen too many different values at its place
// ({param}: learned high cardinality, such as user names). Operators' overrides ("/users/{name}")
// win over both. Memory is bounded whatever the paths: the tree of segments it learns from has
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
    // last segment "{rest...}" any number. The first that matches a path is its template.
    // Returns the overrides refused, with the reason (must start with "/", braces unbalanced,
    // "{rest...}" not last); the others are kept.
    QStringList setOverrides(const QStringList &templates);

    // The template of `path` (its query, if any, is ignored); learns from it.
    QByteArray templateFor(QByteArrayView path);

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
        std::vector<QByteArray> segments; // "{...}" matches one
        bool rest = false;                // the last one matches any number
        QByteArray text;
    };

    std::uint32_t child(std::uint32_t node, const QByteArray &key, bool literal);
    const Override *matchOverride(const std::vector<QByteArrayView> &segments) const;

    Options m_options;
    std::vector<Node> m_nodes;
    std::vector<Override> m_overrides;
    std::vector<QByteArrayView> m_segments; // scratch
};

} // namespace ToolCapture

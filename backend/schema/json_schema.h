#pragma once

#include <QByteArrayView>
#include <QString>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

namespace ToolCapture {

// One way a JSON value breaks a schema: where (an RFC 6901 pointer into the value, "" for the
// value itself; for a missing property the path the member would have) and what, for a human.
struct SchemaViolation {
    QString pointer; // "/service_info/endpoints/0"
    QString detail;  // "expected a string, got a number"

    bool operator==(const SchemaViolation &) const = default;
};

// A compiled JSON Schema (2020-12) limited to a documented subset, used to validate request
// bodies and published events. Supported keywords:
//   type (a name or an array of names; "integer" accepts numbers with no fraction),
//   properties, required, additionalProperties (boolean or schema), items (one schema),
//   minItems, maxItems, enum, const, minLength, maxLength (Unicode code points),
//   pattern (unanchored, QRegularExpression), minimum, maximum, exclusiveMinimum,
//   exclusiveMaximum, format ("uuid", "date-time" per RFC 3339), $ref ("#/$defs/<name>" only),
//   $defs (at the root only), if/then/else, allOf, and boolean schemas (true, false).
// Annotations $schema, $id, $comment, title, description, examples and default are accepted
// and ignored. Any other keyword makes compile() fail: a misspelt "requird" must not quietly
// accept everything.
// Immutable after compile(); validate() may run on any thread.
class JsonSchema {
public:
    // nullopt, with *error saying where ("/properties/name: unknown keyword \"minProperties\""),
    // when the document is not a schema of the supported subset.
    static std::optional<JsonSchema> compile(const nlohmann::json &schema, QString *error);
    static std::optional<JsonSchema> compileText(QByteArrayView text, QString *error);

    // Every violation, in document order; empty when the value conforms.
    std::vector<SchemaViolation> validate(const nlohmann::json &value) const;
    std::vector<SchemaViolation> validate(const nlohmann::ordered_json &value) const;

    // The RFC 6901 reference token for a member name: "~" -> "~0", "/" -> "~1".
    static QString escapePointerToken(QStringView token);

    struct Compiled;

private:
    explicit JsonSchema(std::shared_ptr<const Compiled> compiled);
    std::shared_ptr<const Compiled> m_compiled;
};

} // namespace ToolCapture

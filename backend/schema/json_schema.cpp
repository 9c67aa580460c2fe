#include <backend/schema/json_schema.h>
#include <backend/schema/rfc3339_time.h>

#include <QRegularExpression>

#include <cmath>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace ToolCapture {

namespace {

enum TypeBit : unsigned {
    NullBit = 1u << 0,
    BooleanBit = 1u << 1,
    ObjectBit = 1u << 2,
    ArrayBit = 1u << 3,
    NumberBit = 1u << 4,
    StringBit = 1u << 5,
    IntegerBit = 1u << 6,
};

struct TypeName {
    TypeBit bit;
    std::string_view keyword; // as written in a schema
    std::string_view phrase;  // as said in a message
};

// Message order: the most specific first, null last ("a string or null").
constexpr TypeName kTypeNames[] = {
    {StringBit, "string", "a string"},  {IntegerBit, "integer", "an integer"},
    {NumberBit, "number", "a number"},  {BooleanBit, "boolean", "a boolean"},
    {ObjectBit, "object", "an object"}, {ArrayBit, "array", "an array"},
    {NullBit, "null", "null"},
};

enum class Format { None, Uuid, DateTime };

constexpr std::string_view kDefsPrefix = "#/$defs/";

// Keywords that only annotate: accepted anywhere, never checked.
bool isAnnotation(std::string_view keyword) {
    return keyword == "$schema" || keyword == "$id" || keyword == "$comment" ||
           keyword == "title" || keyword == "description" || keyword == "examples" ||
           keyword == "default";
}

std::string escapeToken(std::string_view token) {
    std::string escaped;
    escaped.reserve(token.size());
    for (const char c : token) {
        if (c == '~')
            escaped += "~0";
        else if (c == '/')
            escaped += "~1";
        else
            escaped += c;
    }
    return escaped;
}

// The inverse of escapeToken; nullopt for a "~" not followed by 0 or 1.
std::optional<std::string> unescapeToken(std::string_view token) {
    std::string plain;
    for (std::size_t i = 0; i < token.size(); ++i) {
        if (token[i] != '~') {
            plain += token[i];
            continue;
        }
        if (i + 1 >= token.size() || (token[i + 1] != '0' && token[i + 1] != '1'))
            return std::nullopt;
        plain += token[i + 1] == '0' ? '~' : '/';
        ++i;
    }
    return plain;
}

bool isUuid(std::string_view text) {
    if (text.size() != 36)
        return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

// Unicode code points in valid UTF-8 (what JSON Schema's string lengths count).
std::uint64_t codePoints(std::string_view utf8) {
    std::uint64_t count = 0;
    for (const char c : utf8) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80)
            ++count;
    }
    return count;
}

std::string plural(std::uint64_t n, std::string_view noun) {
    return std::to_string(n) + ' ' + std::string(noun) + (n == 1 ? "" : "s");
}

// "3", "0.25", "1e+300": integral values without a fraction, others as JSON writes them.
std::string numberText(double value) {
    if (std::isfinite(value) && std::floor(value) == value && std::fabs(value) < 1e15)
        return std::to_string(static_cast<long long>(value));
    return nlohmann::json(value).dump();
}

template<typename J>
unsigned typeBitsOf(const J &value) {
    switch (value.type()) {
    case J::value_t::null:
        return NullBit;
    case J::value_t::boolean:
        return BooleanBit;
    case J::value_t::object:
        return ObjectBit;
    case J::value_t::array:
        return ArrayBit;
    case J::value_t::string:
        return StringBit;
    case J::value_t::number_integer:
    case J::value_t::number_unsigned:
        return NumberBit | IntegerBit;
    case J::value_t::number_float: {
        const double number = value.template get<double>();
        return NumberBit |
               (std::isfinite(number) && std::floor(number) == number ? IntegerBit : 0u);
    }
    default:
        return 0;
    }
}

// "a string", "an object", ... for the type of a value.
template<typename J>
std::string_view typePhrase(const J &value) {
    const unsigned bits = typeBitsOf(value);
    if (bits & NumberBit)
        return "a number";
    for (const TypeName &name : kTypeNames) {
        if (bits & name.bit)
            return name.phrase;
    }
    return "an unknown value";
}

std::string expectedTypes(unsigned types) {
    std::vector<std::string_view> phrases;
    for (const TypeName &name : kTypeNames) {
        if (types & name.bit)
            phrases.push_back(name.phrase);
    }
    std::string text;
    for (std::size_t i = 0; i < phrases.size(); ++i) {
        if (i > 0)
            text += i + 1 == phrases.size() ? " or " : ", ";
        text += phrases[i];
    }
    return text;
}

// A value as it appears in a message: its JSON, cut short when long.
template<typename J>
std::string shortJson(const J &value) {
    constexpr std::size_t kMax = 60;
    std::string text = value.dump(-1, ' ', false, J::error_handler_t::replace);
    if (text.size() > kMax)
        text = text.substr(0, kMax) + "...";
    return text;
}

// JSON equality as JSON Schema defines it: numbers by value (1 equals 1.0), objects regardless
// of member order. The two sides may be of different nlohmann types.
template<typename A, typename B>
bool jsonEquals(const A &a, const B &b) {
    if (a.is_number() && b.is_number()) {
        if (a.is_number_float() || b.is_number_float())
            return a.template get<double>() == b.template get<double>();
        if (a.is_number_unsigned() != b.is_number_unsigned()) {
            const std::uint64_t u = a.is_number_unsigned() ? a.template get<std::uint64_t>()
                                                           : b.template get<std::uint64_t>();
            const std::int64_t s = a.is_number_unsigned() ? b.template get<std::int64_t>()
                                                          : a.template get<std::int64_t>();
            return s >= 0 && std::uint64_t(s) == u;
        }
        return a.is_number_unsigned()
                   ? a.template get<std::uint64_t>() == b.template get<std::uint64_t>()
                   : a.template get<std::int64_t>() == b.template get<std::int64_t>();
    }
    if (a.type() != b.type())
        return false;
    switch (a.type()) {
    case A::value_t::null:
        return true;
    case A::value_t::boolean:
        return a.template get<bool>() == b.template get<bool>();
    case A::value_t::string:
        return a.template get_ref<const std::string &>() ==
               b.template get_ref<const std::string &>();
    case A::value_t::array:
        if (a.size() != b.size())
            return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (!jsonEquals(a[i], b[i]))
                return false;
        }
        return true;
    case A::value_t::object:
        if (a.size() != b.size())
            return false;
        for (auto it = a.begin(); it != a.end(); ++it) {
            const auto other = b.find(it.key());
            if (other == b.end() || !jsonEquals(it.value(), *other))
                return false;
        }
        return true;
    default:
        return false;
    }
}

} // namespace

struct JsonSchema::Compiled {
    struct Node {
        bool rejectAll = false; // the schema false
        unsigned types = 0;     // TypeBits; 0: any type
        std::vector<std::pair<std::string, int>> properties;
        std::vector<std::string> required;
        int additionalProperties = -1;
        int items = -1;
        std::optional<std::uint64_t> minItems, maxItems, minLength, maxLength;
        std::optional<nlohmann::json> constValue;
        std::optional<std::vector<nlohmann::json>> enumValues;
        std::optional<QRegularExpression> pattern;
        std::optional<double> minimum, maximum, exclusiveMinimum, exclusiveMaximum;
        Format format = Format::None;
        int ref = -1;
        int ifSchema = -1, thenSchema = -1, elseSchema = -1;
        std::vector<int> allOf;
    };
    std::vector<Node> nodes; // nodes[0] is the root
};

namespace {

using Node = JsonSchema::Compiled::Node;

// Turns a schema document into nodes, stopping at the first error.
class SchemaCompiler {
public:
    std::vector<Node> nodes;
    QString error;

    bool compileRoot(const nlohmann::json &schema) {
        if (compile(schema, "", true) < 0)
            return false;
        for (const auto &[node, name, at] : m_refs) {
            const auto def = m_defs.find(name);
            if (def == m_defs.end())
                return fail(at, "$ref names no entry of the root's $defs");
            nodes[std::size_t(node)].ref = def->second;
        }
        return true;
    }

private:
    int compile(const nlohmann::json &schema, const std::string &at, bool root) {
        const int index = int(nodes.size());
        nodes.emplace_back();
        Node node;
        if (schema.is_boolean()) {
            node.rejectAll = !schema.get<bool>();
            nodes[std::size_t(index)] = std::move(node);
            return index;
        }
        if (!schema.is_object()) {
            fail(at, "a schema must be an object or a boolean");
            return -1;
        }
        for (auto it = schema.begin(); it != schema.end(); ++it) {
            if (!keyword(node, index, it.key(), it.value(), at + '/' + escapeToken(it.key()), root))
                return -1;
        }
        if ((node.thenSchema >= 0 || node.elseSchema >= 0) && node.ifSchema < 0) {
            fail(at, "\"then\" and \"else\" need an \"if\"");
            return -1;
        }
        nodes[std::size_t(index)] = std::move(node);
        return index;
    }

    bool keyword(Node &node, int index, const std::string &key, const nlohmann::json &value,
                 const std::string &at, bool root) {
        if (isAnnotation(key))
            return true;
        if (key == "type")
            return typeKeyword(node, value, at);
        if (key == "properties") {
            if (!value.is_object())
                return fail(at, "\"properties\" must be an object");
            for (auto it = value.begin(); it != value.end(); ++it) {
                const int child = compile(it.value(), at + '/' + escapeToken(it.key()), false);
                if (child < 0)
                    return false;
                node.properties.emplace_back(it.key(), child);
            }
            return true;
        }
        if (key == "required") {
            if (!value.is_array())
                return fail(at, "\"required\" must be an array of strings");
            for (const nlohmann::json &name : value) {
                if (!name.is_string())
                    return fail(at, "\"required\" must be an array of strings");
                node.required.push_back(name.get<std::string>());
            }
            return true;
        }
        if (key == "additionalProperties")
            return subschema(node.additionalProperties, value, at);
        if (key == "items") {
            if (value.is_array())
                return fail(at, "\"items\" takes one schema (prefixItems is not supported)");
            return subschema(node.items, value, at);
        }
        if (key == "minItems")
            return count(node.minItems, value, at);
        if (key == "maxItems")
            return count(node.maxItems, value, at);
        if (key == "minLength")
            return count(node.minLength, value, at);
        if (key == "maxLength")
            return count(node.maxLength, value, at);
        if (key == "enum") {
            if (!value.is_array() || value.empty())
                return fail(at, "\"enum\" must be a non-empty array");
            node.enumValues = std::vector<nlohmann::json>(value.begin(), value.end());
            return true;
        }
        if (key == "const") {
            node.constValue = value;
            return true;
        }
        if (key == "pattern") {
            if (!value.is_string())
                return fail(at, "\"pattern\" must be a string");
            QRegularExpression pattern(QString::fromStdString(value.get<std::string>()));
            if (!pattern.isValid())
                return fail(at, "invalid pattern: " + pattern.errorString());
            pattern.optimize();
            node.pattern = std::move(pattern);
            return true;
        }
        if (key == "minimum")
            return number(node.minimum, value, at);
        if (key == "maximum")
            return number(node.maximum, value, at);
        if (key == "exclusiveMinimum")
            return number(node.exclusiveMinimum, value, at);
        if (key == "exclusiveMaximum")
            return number(node.exclusiveMaximum, value, at);
        if (key == "format") {
            if (value == "uuid")
                node.format = Format::Uuid;
            else if (value == "date-time")
                node.format = Format::DateTime;
            else
                return fail(at, "unsupported format (only \"uuid\" and \"date-time\")");
            return true;
        }
        if (key == "$ref") {
            if (!value.is_string() || !value.get<std::string>().starts_with(kDefsPrefix))
                return fail(at, "$ref must be \"#/$defs/<name>\"");
            const std::string token = value.get<std::string>().substr(kDefsPrefix.size());
            const std::optional<std::string> name = unescapeToken(token);
            if (!name || token.find('/') != std::string::npos)
                return fail(at, "$ref must be \"#/$defs/<name>\"");
            // Resolved once the whole document is read: a definition may come after its use.
            m_refs.push_back({index, *name, at});
            return true;
        }
        if (key == "$defs") {
            if (!root)
                return fail(at, "$defs is supported at the root only");
            if (!value.is_object())
                return fail(at, "\"$defs\" must be an object");
            for (auto it = value.begin(); it != value.end(); ++it) {
                const int child = compile(it.value(), at + '/' + escapeToken(it.key()), false);
                if (child < 0)
                    return false;
                m_defs[it.key()] = child;
            }
            return true;
        }
        if (key == "if")
            return subschema(node.ifSchema, value, at);
        if (key == "then")
            return subschema(node.thenSchema, value, at);
        if (key == "else")
            return subschema(node.elseSchema, value, at);
        if (key == "allOf") {
            if (!value.is_array() || value.empty())
                return fail(at, "\"allOf\" must be a non-empty array of schemas");
            for (std::size_t i = 0; i < value.size(); ++i) {
                const int child = compile(value[i], at + '/' + std::to_string(i), false);
                if (child < 0)
                    return false;
                node.allOf.push_back(child);
            }
            return true;
        }
        return fail(at, "unknown keyword \"" + QString::fromStdString(key) + '"');
    }

    bool typeKeyword(Node &node, const nlohmann::json &value, const std::string &at) {
        const auto bitOf = [](const nlohmann::json &name) -> unsigned {
            if (!name.is_string())
                return 0;
            for (const TypeName &type : kTypeNames) {
                if (name.get_ref<const std::string &>() == type.keyword)
                    return type.bit;
            }
            return 0;
        };
        if (value.is_string()) {
            node.types = bitOf(value);
        } else if (value.is_array() && !value.empty()) {
            for (const nlohmann::json &name : value) {
                const unsigned bit = bitOf(name);
                if (bit == 0 || (node.types & bit))
                    return fail(at, "\"type\" must name distinct JSON types");
                node.types |= bit;
            }
        }
        if (node.types == 0)
            return fail(at, "\"type\" must be a type name or an array of type names");
        return true;
    }

    bool subschema(int &slot, const nlohmann::json &value, const std::string &at) {
        slot = compile(value, at, false);
        return slot >= 0;
    }

    bool count(std::optional<std::uint64_t> &slot, const nlohmann::json &value,
               const std::string &at) {
        if (!value.is_number_unsigned() &&
            !(value.is_number_integer() && value.get<std::int64_t>() >= 0))
            return fail(at, "must be a non-negative integer");
        slot = value.get<std::uint64_t>();
        return true;
    }

    bool number(std::optional<double> &slot, const nlohmann::json &value, const std::string &at) {
        if (!value.is_number())
            return fail(at, "must be a number");
        slot = value.get<double>();
        return true;
    }

    bool fail(const std::string &at, const QString &message) {
        if (error.isEmpty())
            error = (at.empty() ? QStringLiteral("(root)") : QString::fromStdString(at)) +
                    QLatin1String(": ") + message;
        return false;
    }
    bool fail(const std::string &at, const char *message) {
        return fail(at, QString::fromUtf8(message));
    }

    struct PendingRef {
        int node;
        std::string name;
        std::string at;
    };
    std::vector<PendingRef> m_refs;
    std::map<std::string, int> m_defs;
};

// Walks a value along the compiled nodes and records every violation.
template<typename J>
class Validation {
public:
    Validation(const std::vector<Node> &nodes, std::vector<SchemaViolation> &out)
        : m_nodes(nodes)
        , m_out(out) {}

    void check(int index, const J &value, std::string &pointer) {
        const Node &node = m_nodes[std::size_t(index)];
        if (node.rejectAll) {
            report(pointer, "no value is allowed here");
            return;
        }
        if (node.types != 0 && (typeBitsOf(value) & node.types) == 0) {
            // The other keywords would only restate this one.
            report(pointer, "expected " + expectedTypes(node.types) + ", got " +
                                std::string(typePhrase(value)));
            return;
        }
        if (node.ref >= 0)
            check(node.ref, value, pointer);
        for (const int part : node.allOf)
            check(part, value, pointer);
        if (node.ifSchema >= 0) {
            std::vector<SchemaViolation> ignored;
            Validation<J> condition(m_nodes, ignored);
            condition.check(node.ifSchema, value, pointer);
            const int branch = ignored.empty() ? node.thenSchema : node.elseSchema;
            if (branch >= 0)
                check(branch, value, pointer);
        }
        if (node.constValue && !jsonEquals(*node.constValue, value))
            report(pointer,
                   "expected " + shortJson(*node.constValue) + ", got " + shortJson(value));
        if (node.enumValues) {
            bool found = false;
            for (const nlohmann::json &allowed : *node.enumValues)
                found = found || jsonEquals(allowed, value);
            if (!found)
                report(pointer, "expected one of " + enumList(*node.enumValues) + ", got " +
                                    shortJson(value));
        }
        if (value.is_object())
            checkObject(node, value, pointer);
        else if (value.is_array())
            checkArray(node, value, pointer);
        else if (value.is_string())
            checkString(node, value.template get_ref<const std::string &>(), pointer);
        else if (value.is_number())
            checkNumber(node, value.template get<double>(), pointer);
    }

private:
    void checkObject(const Node &node, const J &value, std::string &pointer) {
        for (const std::string &name : node.required) {
            if (!value.contains(name)) {
                const std::size_t mark = pointer.size();
                pointer += '/' + escapeToken(name);
                report(pointer, "missing required property \"" + name + '"');
                pointer.resize(mark);
            }
        }
        for (auto it = value.begin(); it != value.end(); ++it) {
            const std::size_t mark = pointer.size();
            pointer += '/' + escapeToken(it.key());
            int child = -1;
            for (const auto &[name, index] : node.properties) {
                if (name == it.key()) {
                    child = index;
                    break;
                }
            }
            if (child >= 0) {
                if (m_nodes[std::size_t(child)].rejectAll)
                    report(pointer, "property \"" + it.key() + "\" is not allowed here");
                else
                    check(child, it.value(), pointer);
            } else if (node.additionalProperties >= 0) {
                if (m_nodes[std::size_t(node.additionalProperties)].rejectAll)
                    report(pointer, "unexpected property \"" + it.key() + '"');
                else
                    check(node.additionalProperties, it.value(), pointer);
            }
            pointer.resize(mark);
        }
    }

    void checkArray(const Node &node, const J &value, std::string &pointer) {
        if (node.minItems && value.size() < *node.minItems)
            report(pointer, "expected at least " + plural(*node.minItems, "item") + ", got " +
                                std::to_string(value.size()));
        if (node.maxItems && value.size() > *node.maxItems)
            report(pointer, "expected at most " + plural(*node.maxItems, "item") + ", got " +
                                std::to_string(value.size()));
        if (node.items < 0)
            return;
        for (std::size_t i = 0; i < value.size(); ++i) {
            const std::size_t mark = pointer.size();
            pointer += '/' + std::to_string(i);
            check(node.items, value[i], pointer);
            pointer.resize(mark);
        }
    }

    void checkString(const Node &node, const std::string &text, const std::string &pointer) {
        if (node.minLength || node.maxLength) {
            const std::uint64_t length = codePoints(text);
            if (node.minLength && length < *node.minLength)
                report(pointer, "expected at least " + plural(*node.minLength, "character") +
                                    ", got " + std::to_string(length));
            if (node.maxLength && length > *node.maxLength)
                report(pointer, "expected at most " + plural(*node.maxLength, "character") +
                                    ", got " + std::to_string(length));
        }
        if (node.pattern && !node.pattern->match(QString::fromStdString(text)).hasMatch())
            report(pointer, "does not match the pattern " + node.pattern->pattern().toStdString());
        if (node.format == Format::Uuid && !isUuid(text))
            report(pointer, "expected a UUID, got " + shortJson(J(text)));
        if (node.format == Format::DateTime && !parseRfc3339(text))
            report(pointer, "expected an RFC 3339 date-time, got " + shortJson(J(text)));
    }

    void checkNumber(const Node &node, double number, const std::string &pointer) {
        if (node.minimum && number < *node.minimum)
            report(pointer, "expected at least " + numberText(*node.minimum) + ", got " +
                                numberText(number));
        if (node.maximum && number > *node.maximum)
            report(pointer,
                   "expected at most " + numberText(*node.maximum) + ", got " + numberText(number));
        if (node.exclusiveMinimum && number <= *node.exclusiveMinimum)
            report(pointer, "expected more than " + numberText(*node.exclusiveMinimum) + ", got " +
                                numberText(number));
        if (node.exclusiveMaximum && number >= *node.exclusiveMaximum)
            report(pointer, "expected less than " + numberText(*node.exclusiveMaximum) + ", got " +
                                numberText(number));
    }

    static std::string enumList(const std::vector<nlohmann::json> &values) {
        std::string text;
        for (const nlohmann::json &value : values) {
            if (!text.empty())
                text += ", ";
            text += shortJson(value);
        }
        return text;
    }

    void report(const std::string &pointer, const std::string &detail) {
        m_out.push_back({QString::fromStdString(pointer), QString::fromStdString(detail)});
    }

    const std::vector<Node> &m_nodes;
    std::vector<SchemaViolation> &m_out;
};

template<typename J>
std::vector<SchemaViolation> validateWith(const std::vector<Node> &nodes, const J &value) {
    std::vector<SchemaViolation> violations;
    std::string pointer;
    Validation<J>(nodes, violations).check(0, value, pointer);
    return violations;
}

} // namespace

JsonSchema::JsonSchema(std::shared_ptr<const Compiled> compiled)
    : m_compiled(std::move(compiled)) {}

std::optional<JsonSchema> JsonSchema::compile(const nlohmann::json &schema, QString *error) {
    SchemaCompiler compiler;
    if (!compiler.compileRoot(schema)) {
        if (error)
            *error = compiler.error;
        return std::nullopt;
    }
    auto compiled = std::make_shared<Compiled>();
    compiled->nodes = std::move(compiler.nodes);
    return JsonSchema(std::move(compiled));
}

std::optional<JsonSchema> JsonSchema::compileText(QByteArrayView text, QString *error) {
    nlohmann::json schema;
    try {
        schema = nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::parse_error &e) {
        if (error)
            *error = QStringLiteral("not JSON: ") + QString::fromUtf8(e.what());
        return std::nullopt;
    }
    return compile(schema, error);
}

std::vector<SchemaViolation> JsonSchema::validate(const nlohmann::json &value) const {
    return validateWith(m_compiled->nodes, value);
}

std::vector<SchemaViolation> JsonSchema::validate(const nlohmann::ordered_json &value) const {
    return validateWith(m_compiled->nodes, value);
}

QString JsonSchema::escapePointerToken(QStringView token) {
    return QString::fromStdString(escapeToken(token.toString().toStdString()));
}

} // namespace ToolCapture

#include <backend/schema/embedded_schema_texts.h>
#include <backend/schema/json_schema.h>
#include <backend/schema/rfc3339_time.h>
#include <backend/schema/schema_catalog.h>

#include <QTest>

using namespace ToolCapture;

namespace {

// "pointer: detail" per violation, for whole-list comparisons with readable failures.
QStringList describe(const std::vector<SchemaViolation> &violations) {
    QStringList lines;
    for (const SchemaViolation &violation : violations)
        lines << violation.pointer + QLatin1String(": ") + violation.detail;
    return lines;
}

JsonSchema compiled(const QByteArray &text) {
    QString error;
    std::optional<JsonSchema> schema = JsonSchema::compileText(text, &error);
    if (!schema)
        qFatal("test schema does not compile: %s", qPrintable(error));
    return *schema;
}

} // namespace

class TestJsonSchema : public QObject {
    Q_OBJECT
private slots:
    void validate_data();
    void validate();
    void orderedJsonGivesTheSameAnswers();
    void pointerEscaping();
    void refToDefs();
    void compileErrors_data();
    void compileErrors();
    void rfc3339_data();
    void rfc3339();
    void formatRfc3339RoundTrips();
    void embeddedSchemasCompile();
    void catalogLookup();
};

void TestJsonSchema::validate_data() {
    QTest::addColumn<QByteArray>("schema");
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QStringList>("expected");

    const QStringList ok;
    QTest::newRow("type string ok")
        << QByteArray(R"({"type":"string"})") << QByteArray(R"("x")") << ok;
    QTest::newRow("type string got number") << QByteArray(R"({"type":"string"})") << QByteArray("5")
                                            << QStringList{": expected a string, got a number"};
    QTest::newRow("type object got array") << QByteArray(R"({"type":"object"})") << QByteArray("[]")
                                           << QStringList{": expected an object, got an array"};
    QTest::newRow("type array of types ok")
        << QByteArray(R"({"type":["string","null"]})") << QByteArray("null") << ok;
    QTest::newRow("type array of types bad")
        << QByteArray(R"({"type":["string","null"]})") << QByteArray("true")
        << QStringList{": expected a string or null, got a boolean"};
    QTest::newRow("integer accepts 3.0")
        << QByteArray(R"({"type":"integer"})") << QByteArray("3.0") << ok;
    QTest::newRow("integer rejects 3.5") << QByteArray(R"({"type":"integer"})") << QByteArray("3.5")
                                         << QStringList{": expected an integer, got a number"};
    QTest::newRow("number accepts integer")
        << QByteArray(R"({"type":"number"})") << QByteArray("-7") << ok;
    QTest::newRow("type mismatch hides other keywords")
        << QByteArray(R"({"type":"string","enum":["a"],"minLength":3})") << QByteArray("1")
        << QStringList{": expected a string, got a number"};

    QTest::newRow("required missing")
        << QByteArray(R"({"type":"object","required":["name","id"]})") << QByteArray(R"({"id":1})")
        << QStringList{R"(/name: missing required property "name")"};
    QTest::newRow("properties checked")
        << QByteArray(R"({"properties":{"a":{"type":"boolean"},"b":{"type":"null"}}})")
        << QByteArray(R"({"a":1,"b":null,"c":"free"})")
        << QStringList{"/a: expected a boolean, got a number"};
    QTest::newRow("additionalProperties false")
        << QByteArray(R"({"properties":{"a":{}},"additionalProperties":false})")
        << QByteArray(R"({"a":1,"b":2,"c":3})")
        << QStringList{R"(/b: unexpected property "b")", R"(/c: unexpected property "c")"};
    QTest::newRow("additionalProperties schema")
        << QByteArray(R"({"additionalProperties":{"type":"integer"}})")
        << QByteArray(R"({"a":1,"b":"x"})") << QStringList{"/b: expected an integer, got a string"};
    QTest::newRow("false property schema")
        << QByteArray(R"({"properties":{"secret":false}})") << QByteArray(R"({"secret":1})")
        << QStringList{R"(/secret: property "secret" is not allowed here)"};
    QTest::newRow("false schema") << QByteArray("false") << QByteArray("1")
                                  << QStringList{": no value is allowed here"};
    QTest::newRow("true schema") << QByteArray("true") << QByteArray(R"({"x":[1]})") << ok;

    QTest::newRow("items each element")
        << QByteArray(R"({"items":{"type":"string"}})") << QByteArray(R"(["a",2,"c",null])")
        << QStringList{"/1: expected a string, got a number", "/3: expected a string, got null"};
    QTest::newRow("minItems") << QByteArray(R"({"minItems":2})") << QByteArray("[1]")
                              << QStringList{": expected at least 2 items, got 1"};
    QTest::newRow("maxItems") << QByteArray(R"({"maxItems":1})") << QByteArray("[1,2]")
                              << QStringList{": expected at most 1 item, got 2"};
    QTest::newRow("minItems ignores non-arrays")
        << QByteArray(R"({"minItems":2})") << QByteArray(R"("ab")") << ok;

    QTest::newRow("enum ok") << QByteArray(R"({"enum":["a",1,null]})") << QByteArray("1.0") << ok;
    QTest::newRow("enum bad") << QByteArray(R"({"enum":["a","b"]})") << QByteArray(R"("c")")
                              << QStringList{R"(: expected one of "a", "b", got "c")"};
    QTest::newRow("enum object member order")
        << QByteArray(R"({"enum":[{"x":1,"y":2}]})") << QByteArray(R"({"y":2,"x":1})") << ok;
    QTest::newRow("const bad") << QByteArray(R"({"const":"v1"})") << QByteArray(R"("v2")")
                               << QStringList{R"(: expected "v1", got "v2")"};
    QTest::newRow("const array ok")
        << QByteArray(R"({"const":[1,"a"]})") << QByteArray(R"([1,"a"])") << ok;

    QTest::newRow("minLength counts code points")
        << QByteArray(R"({"minLength":3})") << QByteArray("\"\xc3\xa9\xc3\xa9\"")
        << QStringList{": expected at least 3 characters, got 2"};
    QTest::newRow("maxLength") << QByteArray(R"({"maxLength":1})") << QByteArray(R"("ab")")
                               << QStringList{": expected at most 1 character, got 2"};
    QTest::newRow("pattern unanchored ok")
        << QByteArray(R"({"pattern":"b+"})") << QByteArray(R"("abbc")") << ok;
    QTest::newRow("pattern bad") << QByteArray(R"({"pattern":"^[a-z]+$"})") << QByteArray(R"("aB")")
                                 << QStringList{": does not match the pattern ^[a-z]+$"};

    QTest::newRow("minimum") << QByteArray(R"({"minimum":0})") << QByteArray("-1")
                             << QStringList{": expected at least 0, got -1"};
    QTest::newRow("minimum inclusive") << QByteArray(R"({"minimum":0})") << QByteArray("0") << ok;
    QTest::newRow("maximum") << QByteArray(R"({"maximum":1})") << QByteArray("1.5")
                             << QStringList{": expected at most 1, got 1.5"};
    QTest::newRow("exclusiveMinimum") << QByteArray(R"({"exclusiveMinimum":0})") << QByteArray("0")
                                      << QStringList{": expected more than 0, got 0"};
    QTest::newRow("exclusiveMaximum")
        << QByteArray(R"({"exclusiveMaximum":10})") << QByteArray("10")
        << QStringList{": expected less than 10, got 10"};

    QTest::newRow("uuid ok") << QByteArray(R"({"format":"uuid"})")
                             << QByteArray(R"("0f8fad5b-d9cb-469f-a165-70867728950E")") << ok;
    QTest::newRow("uuid bad")
        << QByteArray(R"({"format":"uuid"})") << QByteArray(R"("0f8fad5bd9cb469fa16570867728950e")")
        << QStringList{R"(: expected a UUID, got "0f8fad5bd9cb469fa16570867728950e")"};
    QTest::newRow("date-time ok") << QByteArray(R"({"format":"date-time"})")
                                  << QByteArray(R"("2024-02-29T23:59:59.5-01:30")") << ok;
    QTest::newRow("date-time bad")
        << QByteArray(R"({"format":"date-time"})") << QByteArray(R"("2023-02-29T10:00:00Z")")
        << QStringList{R"(: expected an RFC 3339 date-time, got "2023-02-29T10:00:00Z")"};
    QTest::newRow("format ignores non-strings")
        << QByteArray(R"({"format":"uuid"})") << QByteArray("12") << ok;

    QTest::newRow("if then")
        << QByteArray(R"({"if":{"properties":{"k":{"const":1}}},"then":{"required":["x"]},
                          "else":{"required":["y"]}})")
        << QByteArray(R"({"k":1})") << QStringList{R"(/x: missing required property "x")"};
    QTest::newRow("if else")
        << QByteArray(R"({"if":{"properties":{"k":{"const":1}}},"then":{"required":["x"]},
                          "else":{"required":["y"]}})")
        << QByteArray(R"({"k":2})") << QStringList{R"(/y: missing required property "y")"};
    QTest::newRow("allOf reports every part")
        << QByteArray(R"({"allOf":[{"minLength":2},{"pattern":"^x"}]})") << QByteArray(R"("a")")
        << QStringList{": expected at least 2 characters, got 1",
                       ": does not match the pattern ^x"};
    QTest::newRow("annotations ignored")
        << QByteArray(R"({"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"x",
                          "title":"t","description":"d","$comment":"c","examples":[1],
                          "default":1,"type":"integer"})")
        << QByteArray("1") << ok;

    QTest::newRow("every error of a nested document")
        << QByteArray(R"({"type":"object","required":["a","b","c"],"additionalProperties":false,
                          "properties":{"a":{"type":"object","required":["x"],
                                             "properties":{"x":{"type":"string"}}},
                                        "b":{"type":"array","items":{"enum":[1,2]}},
                                        "c":{"type":"string"}}})")
        << QByteArray(R"({"a":{"y":1},"b":[1,3,2,4],"z":0})")
        << QStringList{R"(/c: missing required property "c")",
                       R"(/a/x: missing required property "x")",
                       "/b/1: expected one of 1, 2, got 3", "/b/3: expected one of 1, 2, got 4",
                       R"(/z: unexpected property "z")"};
}

void TestJsonSchema::validate() {
    QFETCH(QByteArray, schema);
    QFETCH(QByteArray, value);
    QFETCH(QStringList, expected);
    const nlohmann::json instance = nlohmann::json::parse(value.toStdString());
    QCOMPARE(describe(compiled(schema).validate(instance)), expected);
}

void TestJsonSchema::orderedJsonGivesTheSameAnswers() {
    const JsonSchema schema = compiled(
        R"({"type":"object","required":["b"],"properties":{"a":{"const":{"p":1,"q":[2]}},
            "c":{"type":"integer"}}})");
    const std::string text = R"({"c":1.5,"a":{"q":[2],"p":1}})";
    const auto plain = schema.validate(nlohmann::json::parse(text));
    const auto ordered = schema.validate(nlohmann::ordered_json::parse(text));
    QCOMPARE(describe(ordered), describe(plain));
    QCOMPARE(describe(ordered), (QStringList{R"(/b: missing required property "b")",
                                             "/c: expected an integer, got a number"}));
}

void TestJsonSchema::pointerEscaping() {
    const JsonSchema schema = compiled(
        R"({"properties":{"a/b":{"type":"string"},"m~n":{"type":"string"}},
            "required":["x/~y"]})");
    const auto violations = schema.validate(nlohmann::json::parse(R"({"a/b":1,"m~n":2,"~/":3})"));
    QCOMPARE(describe(violations), (QStringList{R"(/x~1~0y: missing required property "x/~y")",
                                                "/a~1b: expected a string, got a number",
                                                "/m~0n: expected a string, got a number"}));
    QCOMPARE(JsonSchema::escapePointerToken(u"~/~1"), QStringLiteral("~0~1~01"));

    const JsonSchema escapedRef =
        compiled(R"({"$ref":"#/$defs/a~1b","$defs":{"a/b":{"type":"null"}}})");
    QCOMPARE(describe(escapedRef.validate(nlohmann::json(1))),
             QStringList{": expected null, got a number"});
}

void TestJsonSchema::refToDefs() {
    // Recursive: a tree of nodes, each with a name and children.
    const JsonSchema schema = compiled(R"({
        "$ref": "#/$defs/node",
        "$defs": {
            "node": {"type": "object", "required": ["name"], "additionalProperties": false,
                     "properties": {"name": {"$ref": "#/$defs/name"},
                                    "children": {"type": "array",
                                                 "items": {"$ref": "#/$defs/node"}}}},
            "name": {"type": "string", "minLength": 1}
        }})");
    QVERIFY(schema
                .validate(nlohmann::json::parse(
                    R"({"name":"r","children":[{"name":"a","children":[]}]})"))
                .empty());
    QCOMPARE(describe(schema.validate(nlohmann::json::parse(
                 R"({"name":"r","children":[{"name":"a","children":[{"name":"","x":1}]},{}]})"))),
             (QStringList{"/children/0/children/0/name: expected at least 1 character, got 0",
                          R"(/children/0/children/0/x: unexpected property "x")",
                          R"(/children/1/name: missing required property "name")"}));
}

void TestJsonSchema::compileErrors_data() {
    QTest::addColumn<QByteArray>("schema");
    QTest::addColumn<QString>("error");

    QTest::newRow("unknown keyword") << QByteArray(R"({"type":"object","requird":["a"]})")
                                     << R"(/requird: unknown keyword "requird")";
    QTest::newRow("unknown keyword nested")
        << QByteArray(R"({"properties":{"a":{"minProperties":1}}})")
        << R"(/properties/a/minProperties: unknown keyword "minProperties")";
    QTest::newRow("bad type name")
        << QByteArray(R"({"type":"str"})")
        << "/type: \"type\" must be a type name or an array of type names";
    QTest::newRow("duplicate type") << QByteArray(R"({"type":["null","null"]})")
                                    << "/type: \"type\" must name distinct JSON types";
    QTest::newRow("schema not object")
        << QByteArray(R"({"items":3})") << "/items: a schema must be an object or a boolean";
    QTest::newRow("items array")
        << QByteArray(R"({"items":[{}]})")
        << "/items: \"items\" takes one schema (prefixItems is not supported)";
    QTest::newRow("negative minLength")
        << QByteArray(R"({"minLength":-1})") << "/minLength: must be a non-negative integer";
    QTest::newRow("fractional maxItems")
        << QByteArray(R"({"maxItems":1.5})") << "/maxItems: must be a non-negative integer";
    QTest::newRow("minimum not number")
        << QByteArray(R"({"minimum":"0"})") << "/minimum: must be a number";
    QTest::newRow("unsupported format")
        << QByteArray(R"({"format":"email"})")
        << R"(/format: unsupported format (only "uuid" and "date-time"))";
    QTest::newRow("bad pattern") << QByteArray(R"({"pattern":"(a"})")
                                 << "/pattern: invalid pattern: missing closing parenthesis";
    QTest::newRow("empty enum") << QByteArray(R"({"enum":[]})")
                                << "/enum: \"enum\" must be a non-empty array";
    QTest::newRow("ref elsewhere")
        << QByteArray(R"({"$ref":"other.json#/x"})") << R"(/$ref: $ref must be "#/$defs/<name>")";
    QTest::newRow("ref deeper") << QByteArray(R"({"$ref":"#/$defs/a/b","$defs":{"a":{}}})")
                                << R"(/$ref: $ref must be "#/$defs/<name>")";
    QTest::newRow("ref unknown") << QByteArray(R"({"properties":{"a":{"$ref":"#/$defs/nope"}}})")
                                 << "/properties/a/$ref: $ref names no entry of the root's $defs";
    QTest::newRow("defs nested") << QByteArray(R"({"properties":{"a":{"$defs":{}}}})")
                                 << "/properties/a/$defs: $defs is supported at the root only";
    QTest::newRow("then without if")
        << QByteArray(R"({"then":{}})") << "(root): \"then\" and \"else\" need an \"if\"";
    QTest::newRow("required not strings") << QByteArray(R"({"required":[1]})")
                                          << "/required: \"required\" must be an array of strings";
    QTest::newRow("not JSON") << QByteArray("{") << "not JSON: ";
}

void TestJsonSchema::compileErrors() {
    QFETCH(QByteArray, schema);
    QFETCH(QString, error);
    QString actual;
    QVERIFY(!JsonSchema::compileText(schema, &actual));
    QVERIFY2(actual.startsWith(error), qPrintable(actual));
}

void TestJsonSchema::rfc3339_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<qint64>("micros");

    QTest::newRow("epoch") << QByteArray("1970-01-01T00:00:00Z") << true << qint64(0);
    QTest::newRow("lower case t z")
        << QByteArray("1970-01-01t00:00:01z") << true << qint64(1000000);
    QTest::newRow("fraction") << QByteArray("1970-01-01T00:00:00.25Z") << true << qint64(250000);
    QTest::newRow("fraction past micros")
        << QByteArray("1970-01-01T00:00:00.1234567Z") << true << qint64(123456);
    QTest::newRow("positive offset")
        << QByteArray("1970-01-01T01:00:00+01:00") << true << qint64(0);
    QTest::newRow("negative offset")
        << QByteArray("1969-12-31T23:30:00-00:30") << true << qint64(0);
    QTest::newRow("leap day") << QByteArray("2000-02-29T00:00:00Z") << true
                              << qint64(951782400) * 1000000;
    QTest::newRow("leap second") << QByteArray("1998-12-31T23:59:60Z") << true
                                 << qint64(915148800) * 1000000;
    QTest::newRow("no offset") << QByteArray("2024-01-01T00:00:00") << false << qint64(0);
    QTest::newRow("date only") << QByteArray("2024-01-01") << false << qint64(0);
    QTest::newRow("space separator") << QByteArray("2024-01-01 00:00:00Z") << false << qint64(0);
    QTest::newRow("hour 24") << QByteArray("2024-01-01T24:00:00Z") << false << qint64(0);
    QTest::newRow("april 31") << QByteArray("2024-04-31T00:00:00Z") << false << qint64(0);
    QTest::newRow("not leap year") << QByteArray("1900-02-29T00:00:00Z") << false << qint64(0);
    QTest::newRow("empty fraction") << QByteArray("2024-01-01T00:00:00.Z") << false << qint64(0);
    QTest::newRow("short offset") << QByteArray("2024-01-01T00:00:00+0100") << false << qint64(0);
    QTest::newRow("offset minutes 60")
        << QByteArray("2024-01-01T00:00:00+01:60") << false << qint64(0);
    QTest::newRow("trailing text") << QByteArray("2024-01-01T00:00:00Zx") << false << qint64(0);
    QTest::newRow("signed digits") << QByteArray("2024-+1-01T00:00:00Z") << false << qint64(0);
}

void TestJsonSchema::rfc3339() {
    QFETCH(QByteArray, text);
    QFETCH(bool, valid);
    QFETCH(qint64, micros);
    const std::optional<std::int64_t> parsed = parseRfc3339(text.toStdString());
    QCOMPARE(parsed.has_value(), valid);
    if (valid)
        QCOMPARE(qint64(*parsed), micros);
}

void TestJsonSchema::formatRfc3339RoundTrips() {
    QCOMPARE(formatRfc3339(0), QByteArray("1970-01-01T00:00:00.000Z"));
    QCOMPARE(formatRfc3339(1700000000123456), QByteArray("2023-11-14T22:13:20.123Z"));
    QCOMPARE(formatRfc3339(-1), QByteArray("1969-12-31T23:59:59.999Z"));
    QCOMPARE(parseRfc3339(formatRfc3339(1700000000123000).toStdString()),
             std::optional<std::int64_t>(1700000000123000));
}

void TestJsonSchema::embeddedSchemasCompile() {
    QVERIFY(!embeddedSchemaTexts().empty());
    for (const EmbeddedSchemaText &entry : embeddedSchemaTexts()) {
        QString error;
        const auto schema = JsonSchema::compileText(
            QByteArrayView(entry.text.data(), qsizetype(entry.text.size())), &error);
        QVERIFY2(schema, qPrintable(QString::fromUtf8(entry.name.data(), entry.name.size()) +
                                    QLatin1String(": ") + error));
    }
}

void TestJsonSchema::catalogLookup() {
    const std::vector<std::string_view> names = schemaNames();
    QCOMPARE(names.size(), embeddedSchemaTexts().size());
    QVERIFY(std::is_sorted(names.begin(), names.end()));
    for (const std::string_view expected :
         {"hooks/pre", "hooks/post", "hooks/lifecycle", "hooks/tool_registration",
          "events/hooks.execution_intelligence", "events/hooks.service_lifecycle",
          "events/tools.registration_events"}) {
        QVERIFY2(findSchema(expected) != nullptr, expected.data());
    }
    QCOMPARE(findSchema("hooks/nope"), nullptr);
    QCOMPARE(&schemaNamed("hooks/pre"), findSchema("hooks/pre"));

    const JsonSchema &pre = schemaNamed("hooks/pre");
    QCOMPARE(describe(pre.validate(nlohmann::json::parse(R"({"correlation_id":"x"})"))),
             (QStringList{R"(/session_id: missing required property "session_id")",
                          R"(/service_name: missing required property "service_name")",
                          R"(/operation: missing required property "operation")",
                          R"(/parameters: missing required property "parameters")",
                          R"(/timestamp: missing required property "timestamp")",
                          R"(/correlation_id: expected a UUID, got "x")"}));
}

QTEST_GUILESS_MAIN(TestJsonSchema)
#include "tst_json_schema.moc"

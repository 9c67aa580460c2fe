#include <backend/schema/embedded_schema_texts.h>
#include <backend/schema/schema_catalog.h>

#include <QtGlobal>

#include <map>
#include <string>

namespace ToolCapture {

namespace {

using Catalog = std::map<std::string_view, JsonSchema, std::less<>>;

const Catalog &catalog() {
    static const Catalog schemas = [] {
        Catalog compiled;
        for (const EmbeddedSchemaText &entry : embeddedSchemaTexts()) {
            QString error;
            std::optional<JsonSchema> schema = JsonSchema::compileText(
                QByteArrayView(entry.text.data(), qsizetype(entry.text.size())), &error);
            if (!schema) {
                qFatal("embedded schema %.*s does not compile: %s", int(entry.name.size()),
                       entry.name.data(), qPrintable(error));
            }
            compiled.emplace(entry.name, std::move(*schema));
        }
        return compiled;
    }();
    return schemas;
}

} // namespace

const JsonSchema *findSchema(std::string_view name) {
    const Catalog &schemas = catalog();
    const auto it = schemas.find(name);
    return it == schemas.end() ? nullptr : &it->second;
}

const JsonSchema &schemaNamed(std::string_view name) {
    const JsonSchema *schema = findSchema(name);
    if (!schema)
        qFatal("no embedded schema named %.*s", int(name.size()), name.data());
    return *schema;
}

std::vector<std::string_view> schemaNames() {
    std::vector<std::string_view> names;
    for (const auto &[name, schema] : catalog())
        names.push_back(name);
    return names;
}

} // namespace ToolCapture

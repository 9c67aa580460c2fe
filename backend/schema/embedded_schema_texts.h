#pragma once

#include <span>
#include <string_view>

namespace ToolCapture {

// One schema document of docs/schemas, as compiled into the program.
struct EmbeddedSchemaText {
    std::string_view name; // its path under docs/schemas without ".json": "hooks/pre"
    std::string_view text; // the file's bytes
};

// Every *.json under docs/schemas, sorted by name. Defined by the source that CMake generates
// from those files at build time (backend/schema/embedded_schemas.cmake), so that a schema edit
// needs no code change and adding a file needs no CMake change.
std::span<const EmbeddedSchemaText> embeddedSchemaTexts();

} // namespace ToolCapture

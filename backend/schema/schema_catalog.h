#pragma once

#include <backend/schema/json_schema.h>

#include <string_view>
#include <vector>

namespace ToolCapture {

// The schemas of docs/schemas, compiled into the program, by name: "hooks/pre",
// "events/hooks.execution_intelligence" (the path under docs/schemas without ".json").
// All are compiled at the first lookup; one that does not compile stops the program there
// (qFatal), as a broken embedded schema is a build defect, not a runtime condition.
// Thread-safe.

// nullptr when no schema has that name.
const JsonSchema *findSchema(std::string_view name);
// The schema of that name; qFatal when there is none (names are constants in the code).
const JsonSchema &schemaNamed(std::string_view name);
// Every name, sorted.
std::vector<std::string_view> schemaNames();

} // namespace ToolCapture

# cmake -DSCHEMA_ROOT=<docs/schemas> -DOUTPUT=<file.cpp> -P generate_schema_texts.cmake
# Writes the definition of embeddedSchemaTexts(): each file's bytes as an array, named by its
# path under SCHEMA_ROOT without ".json". Bytes rather than string literals: no escaping rules,
# no raw-string delimiter that a schema could contain.
file(GLOB_RECURSE _files RELATIVE ${SCHEMA_ROOT} ${SCHEMA_ROOT}/*.json)
list(SORT _files)

set(_arrays "")
set(_entries "")
set(_index 0)
foreach(_file IN LISTS _files)
    string(REGEX REPLACE "\\.json$" "" _name "${_file}")
    if(NOT _name MATCHES "^[A-Za-z0-9_./-]+$")
        message(FATAL_ERROR "schema file name ${_file}: only letters, digits, '_', '.', '-' and '/'")
    endif()
    file(READ ${SCHEMA_ROOT}/${_file} _hex HEX)
    string(LENGTH "${_hex}" _hexLength)
    math(EXPR _size "${_hexLength} / 2")
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," _bytes "${_hex}")
    # A trailing 0 keeps an empty file a valid array; the size leaves it out.
    string(APPEND _arrays "// ${_file}\nconst unsigned char kText${_index}[] = {${_bytes}0};\n\n")
    string(APPEND _entries "        {\"${_name}\", text(kText${_index}, ${_size})},\n")
    math(EXPR _index "${_index} + 1")
endforeach()

if(_index EQUAL 0)
    set(_table "    return {};\n")
else()
    set(_table "    static const EmbeddedSchemaText texts[] = {\n${_entries}    };\n    return texts;\n")
endif()

file(WRITE ${OUTPUT} "// Generated from docs/schemas by generate_schema_texts.cmake. Do not edit.
#include <backend/schema/embedded_schema_texts.h>

namespace ToolCapture {

namespace {

[[maybe_unused]] std::string_view text(const unsigned char *bytes, std::size_t size) {
    return {reinterpret_cast<const char *>(bytes), size};
}

${_arrays}} // namespace

std::span<const EmbeddedSchemaText> embeddedSchemaTexts() {
${_table}}

} // namespace ToolCapture
")

# Compiles every docs/schemas/**/*.json into the program (embeddedSchemaTexts()).
# Included from backend/CMakeLists.txt; sets TOOLCAPTURE_SCHEMA_TEXTS_CPP, the generated source.
# A new schema file re-runs the configuration (CONFIGURE_DEPENDS); an edited one regenerates the
# source at build time.
set(_tc_schema_root ${PROJECT_SOURCE_DIR}/docs/schemas)
file(GLOB_RECURSE _tc_schema_files CONFIGURE_DEPENDS ${_tc_schema_root}/*.json)
set(TOOLCAPTURE_SCHEMA_TEXTS_CPP ${CMAKE_CURRENT_BINARY_DIR}/generated/embedded_schema_texts.cpp)
add_custom_command(
    OUTPUT ${TOOLCAPTURE_SCHEMA_TEXTS_CPP}
    COMMAND ${CMAKE_COMMAND} -DSCHEMA_ROOT=${_tc_schema_root} -DOUTPUT=${TOOLCAPTURE_SCHEMA_TEXTS_CPP}
        -P ${CMAKE_CURRENT_LIST_DIR}/generate_schema_texts.cmake
    DEPENDS ${_tc_schema_files} ${CMAKE_CURRENT_LIST_DIR}/generate_schema_texts.cmake
    COMMENT "Embedding the JSON schemas of docs/schemas"
    VERBATIM)

# Layering the compiler can see.
#
# Every first-party target includes rooted paths (<backend/routing/route_table.h>,
# <models/services_model.h>). Putting the project root on a target's include path would let it
# include any header of any layer, so an upward include (admin reaching the engine, a model
# reaching a widget) would compile. Instead each target gets its own staging directory in the
# build tree, ${PROJECT_BINARY_DIR}/include/<target>/, that holds symbolic links to its own headers
# only (backend/admin -> <source>/backend/admin), added as its PUBLIC (or INTERFACE) include
# directory. A target therefore sees its own headers and, through CMake's usage requirements, the
# headers of the targets it links (DEPS publicly and transitively, PRIVATE_DEPS for itself), and
# nothing else: a header of a library it does not link is "No such file or directory".
# tests/layering/ proves that such an include fails.

# tc_expose_headers(TARGET [PRIVATE] [DIRS dir...] [FILES file...]): DIRS and FILES are relative
# to the project root and keep that path under the staging directory, so includes stay rooted.
# PRIVATE (for executables) keeps the staging directory to the target itself.
function(tc_expose_headers target)
    cmake_parse_arguments(ARG "PRIVATE" "" "DIRS;FILES" ${ARGN})
    set(_root ${PROJECT_BINARY_DIR}/include/${target})
    foreach(_path IN LISTS ARG_DIRS ARG_FILES)
        if(NOT EXISTS ${PROJECT_SOURCE_DIR}/${_path})
            message(FATAL_ERROR "tc_expose_headers(${target}): ${_path} does not exist")
        endif()
        get_filename_component(_parent ${_root}/${_path} DIRECTORY)
        file(MAKE_DIRECTORY ${_parent})
        file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${_path} ${_root}/${_path} SYMBOLIC)
    endforeach()
    get_target_property(_type ${target} TYPE)
    if(_type STREQUAL "INTERFACE_LIBRARY")
        set(_scope INTERFACE)
    elseif(ARG_PRIVATE OR _type STREQUAL "EXECUTABLE")
        set(_scope PRIVATE)
    else()
        set(_scope PUBLIC)
    endif()
    target_include_directories(${target} ${_scope} ${_root})
endfunction()

# Run by CTest: compiles SOURCE (-fsyntax-only) with the include directories, definitions and
# options of one target, as a file of that target would be compiled, and checks the outcome.
#   -DCOMPILER=... -DFLAGS_FILE=... (one flag a line) -DSOURCE=... -DHEADER=<rooted header>
#   -DEXPECT=fails|compiles
# EXPECT=fails passes only when the compiler reports HEADER itself as not found: any other error
# (a broken probe, a missing Qt header) fails the check instead of passing for the wrong reason.
file(STRINGS ${FLAGS_FILE} _flags)
execute_process(COMMAND ${COMPILER} ${_flags} -fsyntax-only ${SOURCE}
    RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(EXPECT STREQUAL "fails")
    if(_rc EQUAL 0)
        message(FATAL_ERROR "<${HEADER}> compiled: the include path does not express the layering")
    endif()
    # GCC: "x/y.h: No such file or directory"; Clang: "'x/y.h' file not found".
    string(FIND "${_err}" "${HEADER}: No such file or directory" _gcc)
    string(FIND "${_err}" "'${HEADER}' file not found" _clang)
    if(_gcc EQUAL -1 AND _clang EQUAL -1)
        message(FATAL_ERROR "failed, but not because <${HEADER}> is out of reach:\n${_err}")
    endif()
    message(STATUS "<${HEADER}> is out of reach, as it should be")
elseif(EXPECT STREQUAL "compiles")
    if(NOT _rc EQUAL 0)
        message(FATAL_ERROR "<${HEADER}> should be reachable:\n${_err}")
    endif()
    message(STATUS "<${HEADER}> is reachable, as it should be")
else()
    message(FATAL_ERROR "EXPECT must be fails or compiles, not '${EXPECT}'")
endif()

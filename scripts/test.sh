#!/usr/bin/env bash
# Installs the dependencies, builds and runs the whole test suite: the CI entry point.
#   scripts/test.sh                  what CI runs: asan, fuzz
#   scripts/test.sh --quick          only the optimised build and its tests (= --only test)
#   scripts/test.sh --only release   the optimised program and benchmarks, no tests
#   scripts/test.sh --quick -R http  only the tests whose name matches a regex
#   scripts/test.sh --only fuzz      only some of: test, release, asan, fuzz (comma-separated)
# Options: --quick (= --only test), --only LIST, -R|--filter REGEX, --fuzz-time SECONDS
# (default 30), --help.
# Stages: deps; build (build/, RelWithDebInfo: with `test` everything, then the tests run; with
# `release` the program and the benchmarks only); asan-build (build-asan/, clang, ASan+UBSan, every
# test and the benchmarks, which are compiled, not run); asan-test (the whole suite, under the
# sanitizers); fuzz-build (build-fuzz/, clang, libFuzzer); fuzz-run. CI builds once: on 2 cores
# a cold optimised build next to the ASan one took about as long as the rest of CI together
# and pushed it past its 25 minutes. A stage whose build failed is skipped; the script runs
# every other stage and exits non-zero if anything failed.
# TOOLCAPTURE_BUILD_PREFIX=DIR uses DIR, DIR-asan and DIR-fuzz instead of build, build-asan and
# build-fuzz (relative to the repository root).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$TC_ROOT" || exit 1

groups=",asan,fuzz,"
filter=""
fuzz_seconds=30
ctest_jobs=2
ctest_timeout=300 # seconds, for tests that do not set their own TIMEOUT
fuzz_targets=(fuzz_request_parser fuzz_response_parser fuzz_websocket_frames)

while (($#)); do
    case "$1" in
    --quick) groups=",test," ;;
    --only)
        groups=",${2:?--only needs a list: test,release,asan,fuzz},"
        shift
        ;;
    -R | --filter)
        filter="${2:?$1 needs a regex}"
        shift
        ;;
    --fuzz-time)
        fuzz_seconds="${2:?--fuzz-time needs seconds}"
        shift
        ;;
    -h | --help)
        tc_usage
        exit 0
        ;;
    *)
        echo "test.sh: unknown option $1 (see --help)" >&2
        exit 2
        ;;
    esac
    shift
done

for g in ${groups//,/ }; do
    [[ "$g" =~ ^(test|release|asan|fuzz)$ ]] ||
        tc_die "--only takes test, release, asan and fuzz, not '$g'"
done

prefix="${TOOLCAPTURE_BUILD_PREFIX:-build}"
main_dir="$prefix"
asan_dir="$prefix-asan"
fuzz_dir="$prefix-fuzz"
logdir="$TC_ROOT/$main_dir/test-logs"
mkdir -p "$logdir"
summary=()
failed=0
stage_number=0
started=$SECONDS

# stage NAME COMMAND...: runs one stage, records its status and duration.
stage() {
    local name="$1"
    shift
    stage_number=$((stage_number + 1))
    tc_header "[$stage_number] $name: $*"
    local begin=$SECONDS status=0
    "$@" || status=$?
    local took=$((SECONDS - begin))
    if ((status == 0)); then
        summary+=("$(printf '%-11s PASS  %4ss' "$name" "$took")")
    else
        summary+=("$(printf '%-11s FAIL  %4ss  (exit %s)' "$name" "$took" "$status")")
        failed=1
    fi
    return "$status"
}

skip() {
    summary+=("$(printf '%-11s SKIP        (%s)' "$1" "$2")")
    tc_header "$1: skipped ($2)"
}

build_dir() {
    local dir="$1"
    shift
    tc_configure "$dir" "$@" && cmake --build "$dir" -j"$TC_JOBS"
}

# ctest's closing lines: the pass rate, the total time and one line per failed test.
ctest_summary='^[0-9]+% tests passed|^Total Test time|^No tests were found|^[[:space:]]+[0-9]+ - .* \(.*\)$'

# run_ctest DIR NAME: the whole suite (or -R filter), with ctest's summary kept for the end.
# A throwaway PostgreSQL cluster runs meanwhile (TOOLCAPTURE_PG_URL) for the store's tests.
run_ctest() {
    local dir="$1" name="$2" log="$logdir/$2.log" status=0
    local args=(--test-dir "$dir" --output-on-failure -j"$ctest_jobs" --timeout "$ctest_timeout"
        --no-tests=error)
    [[ -n "$filter" ]] && args+=(-R "$filter")
    "$TC_ROOT/scripts/start-postgres.sh" -- ctest "${args[@]}" 2>&1 | tee "$log" || status=$?
    local line
    while IFS= read -r line; do
        summary+=("              $name: $line")
    done < <(grep -E "$ctest_summary" "$log")
    # A sanitizer report or a failed assertion aborts the test (abort_on_error), and ctest's
    # output of a long test is cut: the report's first lines go to the summary, which CI shows.
    while IFS= read -r line; do
        summary+=("              $name: $line")
    done < <(awk '/ERROR: (Address|Leak|Thread)Sanitizer|runtime error:|^ASSERT|^QFATAL|^FAIL!/ {
                      n = 30; reports++ }
                  n > 0 && reports <= 3 { print; n-- }' "$log")
    return "$status"
}

# fuzz_build: clang, libFuzzer + ASan, only the fuzz targets (the GUI is not needed).
fuzz_build() {
    tc_configure "$fuzz_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
        -DCMAKE_CXX_COMPILER=clang++ -DTOOLCAPTURE_FUZZ=ON -DTOOLCAPTURE_BUILD_GUI=OFF &&
        cmake --build "$fuzz_dir" -j"$TC_JOBS" --target "${fuzz_targets[@]}"
}

# run_fuzzers: each libFuzzer target for a bounded time, in parallel, starting from the
# checked-in corpus (read only: new inputs go to <fuzz dir>/fuzz-work/<target>/corpus).
run_fuzzers() {
    local target bin seed work status=0 pids=() names=()
    for target in "${fuzz_targets[@]}"; do
        bin="$(find "$fuzz_dir" -type f -name "$target" -perm -u+x 2>/dev/null | head -n 1)"
        if [[ -z "$bin" ]]; then
            echo "fuzz-run: $target was not built" >&2
            status=1
            continue
        fi
        seed="tests/fuzz/corpus/${target#fuzz_}"
        seed="${seed%_parser}"
        [[ -d "$seed" ]] || seed="tests/fuzz/corpus/$target"
        work="$fuzz_dir/fuzz-work/$target"
        rm -rf "$work"
        mkdir -p "$work/corpus" "$work/artifacts"
        local seeds=()
        [[ -d "$seed" ]] && seeds+=("$seed")
        echo "fuzz-run: $target for ${fuzz_seconds}s, seeds: ${seeds[*]:-none}, log: $work/fuzz.log"
        "$bin" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
            "$work/corpus" "${seeds[@]}" >"$work/fuzz.log" 2>&1 &
        pids+=($!)
        names+=("$target")
    done
    local i rc
    for i in "${!pids[@]}"; do
        rc=0
        wait "${pids[$i]}" || rc=$?
        work="$fuzz_dir/fuzz-work/${names[$i]}"
        if ((rc == 0)); then
            echo "fuzz-run: ${names[$i]} OK: $(grep -E '^Done|stat::number_of_executed_units' \
                "$work/fuzz.log" | tr -s ' \n' ' ')"
            summary+=("              fuzz-run: ${names[$i]}: no crash in ${fuzz_seconds}s")
        else
            echo "fuzz-run: ${names[$i]} FAILED (exit $rc); crash inputs in $work/artifacts/" >&2
            tail -n 60 "$work/fuzz.log" >&2
            summary+=("              fuzz-run: ${names[$i]}: FAILED, see $work/")
            status=1
        fi
    done
    return "$status"
}

stage deps "$TC_ROOT/scripts/install-deps.sh"

wanted() { [[ "$groups" == *",$1,"* ]]; }

# Line tables only (-g1: backtraces and sanitizer reports name files and lines), which compiles
# and links about a third faster than full debug info.
release_flags=("-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"
    "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG")
if wanted test; then
    # The optimised build and its test run (--quick, --only test).
    if stage build build_dir "$main_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DTOOLCAPTURE_BUILD_GUI=ON "${release_flags[@]}"; then
        stage test run_ctest "$main_dir" test
    else
        skip test "build failed"
    fi
elif wanted release; then
    # The optimised build of the program and the benchmarks only, to run them (tests/bench);
    # the tests run in the ASan/UBSan build below.
    release_build() {
        tc_configure "$main_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTOOLCAPTURE_BUILD_GUI=ON \
            "${release_flags[@]}" &&
            cmake --build "$main_dir" -j"$TC_JOBS" --target toolcapture toolcapture_benchmarks
    }
    stage build release_build
fi

if wanted asan || wanted fuzz; then
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
    if [[ -f tests/lsan.supp ]]; then
        export LSAN_OPTIONS="suppressions=$TC_ROOT/tests/lsan.supp:print_suppressions=0"
    fi
fi
if wanted asan; then
    # The benchmarks are built here too, so that CI's one build compiles everything. clang, not
    # gcc: at -O0 with ASan and UBSan it compiled our sources 1.6-2.2 times faster (user time of
    # single translation units), which is most of CI's time. A tree configured with another
    # compiler is configured afresh (CMake cannot change the compiler of a cache). The backend
    # libraries are unity-built here: 2m45s instead of 4m56s for them on 2 cores (clang, ASan).
    if [[ -f "$asan_dir/CMakeCache.txt" ]] &&
        ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang++' "$asan_dir/CMakeCache.txt"; then
        rm -rf "${asan_dir:?}/CMakeCache.txt" "${asan_dir:?}/CMakeFiles"
    fi
    if stage asan-build build_dir "$asan_dir" -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
        -DTOOLCAPTURE_SANITIZE=ON -DTOOLCAPTURE_BUILD_GUI=ON -DTOOLCAPTURE_BUILD_BENCHMARKS=ON \
        -DTOOLCAPTURE_UNITY_BUILD=ON "-DCMAKE_CXX_FLAGS_DEBUG=-g1" "-DCMAKE_C_FLAGS_DEBUG=-g1"; then
        stage asan-test run_ctest "$asan_dir" asan-test
    else
        skip asan-test "asan-build failed"
    fi
fi
if wanted fuzz; then
    if stage fuzz-build fuzz_build; then
        stage fuzz-run run_fuzzers
    else
        skip fuzz-run "fuzz-build failed"
    fi
fi

tc_header "summary ($((SECONDS - started))s in total; logs in $main_dir/test-logs/)"
printf '%s\n' "${summary[@]}"
if ((failed)); then
    echo "RESULT: FAILED"
    exit 1
fi
echo "RESULT: PASSED"

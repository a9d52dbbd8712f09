#!/usr/bin/env bash
# Runs one fuzz target as a real campaign: bench/fuzz.sh TARGET [MINUTES] (default 10).
#
# TARGET is a fuzz test, Class or Class#method (docs/testing.md lists them); a class with several
# targets needs the method, since Jazzer fuzzes one target per JVM. The campaign runs under nice,
# with a 1 GiB heap (an allocation that grows with the input shows as an OutOfMemoryError) and a
# 10 s time-out per input (libFuzzer's -timeout). New inputs the fuzzer finds interesting go to MODULE/.cifuzz-corpus/
# (not committed); a finding is written into the target's input directory under src/test/resources,
# so every later build replays it: fix it, keep the file, commit both. A plain `mvn verify` replays
# the committed inputs only, without fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: bench/fuzz.sh TARGET [MINUTES]   e.g. bench/fuzz.sh ConfigLoaderFuzzTest 10}
minutes=${2:-10}
class=${target%%#*}
case "$class" in
  RequestHeadFuzzTest) module=http-head ;;
  ClientRequestFuzzTest|BackendResponseFuzzTest|ConfigLoaderFuzzTest|PemFilesFuzzTest) module=balancer ;;
  *) echo "fuzz.sh: unknown target $class; one of RequestHeadFuzzTest, ClientRequestFuzzTest," \
          "BackendResponseFuzzTest, ConfigLoaderFuzzTest, PemFilesFuzzTest (docs/testing.md)" >&2; exit 2 ;;
esac
if [[ "$target" != *#* ]] && [[ "$class" != ConfigLoaderFuzzTest && "$class" != RequestHeadFuzzTest ]]; then
  echo "fuzz.sh: $class has several targets; name one as $class#method (docs/testing.md)" >&2
  exit 2
fi

log="$module/target/fuzz-${target//#/-}.log"
echo "--- fuzzing $target for $minutes min (module $module; progress in $log)"
mkdir -p "$module/target"
# surefire:test directly, after test-compile: the default test phase would also run the suites the
# balancer's POM always runs once more over OkHttp.
# the campaign's length is libFuzzer's -max_total_time, passed through Jazzer's JUnit parameters.
set +e
JAZZER_FUZZ=1 nice -n 10 "${MVN:-mvn}" -B -q -pl "$module" -am test-compile surefire:test \
    -Dtest="$target" -Dsurefire.failIfNoSpecifiedTests=false -DtrimStackTrace=false \
    -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1="-max_total_time=$((minutes * 60))" -Djazzer.internal.arg.2=-timeout=10 \
    -DargLine="-Xmx1g" >"$log" 2>&1
status=$?
set -e
echo "--- $target: exit $status; libFuzzer's last lines:"
grep -E '^#[0-9]+|Done [0-9]+ runs|== Java Exception|FuzzTestFinding|Tests run:' "$log" | tail -6 || true
exit "$status"

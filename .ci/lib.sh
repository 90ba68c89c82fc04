# .ci/lib.sh - helpers shared by .ci/setup and .ci/run (sourced, not run).

# stage NAME COMMAND...: run COMMAND under a heading and report its time.
stage() {
    local name=$1 t0 us rc=0
    shift
    echo
    echo "=== $name"
    t0=${EPOCHREALTIME/./}
    "$@" || rc=$?
    us=$(( ${EPOCHREALTIME/./} - t0 ))
    printf '=== %s: %d.%d s%s\n' "$name" $(( us / 1000000 )) $(( us / 100000 % 10 )) \
        "$([ $rc = 0 ] || echo ", FAILED (status $rc)")"
    return $rc
}

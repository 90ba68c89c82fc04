#!/bin/bash
# launcher-test.sh - mv-launch against the stand-in kernel (test/stub.S):
# exit statuses, messages, signals, failures, and clean teardown.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out=$root/build/ros
L=$out/mv-launch
K=$out/stub-kernel.elf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1: $2"; }

# A static program for the launcher to load (the stub never runs it).
printf 'int main(void){return 0;}\n' > "$tmp/p.c"
"$root/bin/mvcc" -o "$tmp/prog" "$tmp/p.c" || { echo "cannot build with mvcc"; exit 1; }
gcc -o "$tmp/dyn" "$tmp/p.c"
shm_before=$(ls /dev/shm | sort)

# expect NAME STATUS STDOUT STDERR-REGEX -- mv-launch args...
expect() {
    local name=$1 want_rc=$2 want_out=$3 want_err=$4
    shift 5
    timeout 20 "$L" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    local rc=$?
    local got_out
    got_out=$(cat "$tmp/out")
    if [ "$rc" != "$want_rc" ]; then
        bad "$name" "status $rc, want $want_rc; stderr: $(head -c 300 "$tmp/err")"
    elif [ "$got_out" != "$want_out" ]; then
        bad "$name" "stdout '$got_out', want '$want_out'"
    elif [ -z "$want_err" ] && [ -s "$tmp/err" ]; then
        bad "$name" "stderr not empty: $(head -c 300 "$tmp/err")"
    elif [ -n "$want_err" ] && ! grep -Eq -- "$want_err" "$tmp/err"; then
        bad "$name" "stderr does not match /$want_err/: $(head -c 300 "$tmp/err")"
    else
        ok "$name"
    fi
}

expect "forwarded write and exit status" 2 "world" '' -- --kernel "$K" "$tmp/prog" world
expect "exit status is the program's" 4 "a" '' -- --kernel "$K" "$tmp/prog" a b c
expect "a second slot gets its partner on demand" 2 "multi" '' -- --kernel "$K" "$tmp/prog" multi
expect "bad pointer gives EFAULT" 0 "" '' -- --kernel "$K" "$tmp/prog" badptr
expect "fault: 128+SIGSEGV and a message" 139 "" \
    "^multiverse: .*prog terminated by SIGSEGV \(segmentation fault\) at 0x[0-9a-f]+, address 0x0$" \
    -- --kernel "$K" "$tmp/prog" fault
expect "fault: symbolized frame" 139 "" '^    #0 0x[0-9a-f]+ in _start' \
    -- --kernel "$K" "$tmp/prog" fault
expect "panic: 125 with text and log tail" 125 "" 'stub: deliberate panic' \
    -- --kernel "$K" "$tmp/prog" panic
expect "panic: message" 125 "" '^multiverse: kernel panic: stub: deliberate panic$' \
    -- --kernel "$K" "$tmp/prog" panic
expect "QEMU dies on its own" 125 "" '^multiverse: QEMU exited unexpectedly' \
    -- --kernel "$K" "$tmp/prog" quit
expect "missing kernel" 125 "" '^multiverse: no aerokernel at .*nonexistent' \
    -- --kernel "$tmp/nonexistent" "$tmp/prog"
expect "not a kernel" 125 "" 'is not a Multiverse aerokernel' -- --kernel "$tmp/prog" "$tmp/prog"
abi=$(sed -n 's/^#define MV_ABI_VERSION *\([0-9]*\)u.*/\1/p' "$root/kernel/include/mv_abi.h")
expect "ABI mismatch" 125 "" "speaks ABI version 99 but this launcher speaks $abi" \
    -- --kernel "$out/stub-kernel-abi99.elf" "$tmp/prog"
expect "dynamic program refused" 125 "" 'dynamically linked.*bin/mvcc' -- --kernel "$K" "$tmp/dyn"
expect "missing program" 125 "" 'cannot open the program' -- --kernel "$K" "$tmp/none"
expect "bad --mem" 125 "" 'mem must be between' -- --mem 1M --kernel "$K" "$tmp/prog"
expect "bad --native" 125 "" "not an optional call; choose from: .*getpid" \
    -- --native read --kernel "$K" "$tmp/prog" x
expect "trace shows forwarded calls" 2 "xy" '^\[ros\] write\(1, 0x[0-9a-f]+, 2\) = 2 <' \
    -- --trace --kernel "$K" "$tmp/prog" xy
expect "stats on stderr" 2 "xy" '^write +2 ' -- --stats - --kernel "$K" "$tmp/prog" xy
timeout 20 "$L" --stats "$tmp/stats.json" --kernel "$K" "$tmp/prog" xy >/dev/null
if grep -Eq '"forwarded":2,.*"ready_ms":[1-9][0-9.]*,"final":true,"calls":\{"write":\{"count":2' "$tmp/stats.json"; then
    ok "stats file (JSON lines)"
else
    bad "stats file (JSON lines)" "$(cat "$tmp/stats.json")"
fi
PATH=/nonexistent "$L" --kernel "$K" "$tmp/prog" x 2>"$tmp/err"
rc=$?
if [ "$rc" = 125 ] && grep -q 'install the Debian package qemu-system-x86' "$tmp/err"; then
    ok "QEMU missing"
else
    bad "QEMU missing" "status $rc: $(cat "$tmp/err")"
fi

# Start the launcher (extra options: $@) in the background on a stub that
# waits; sets pid.
start_hang() {
    rm -f "$tmp/log"
    "$L" "$@" --kernel "$K" --log "$tmp/log" "$tmp/prog" hang 2>"$tmp/err" &
    pid=$!
    for _ in $(seq 200); do grep -q booted "$tmp/log" 2>/dev/null && break; sleep 0.05; done
}

# Signals to the launcher: teardown, then death by the same signal.
for sig in INT TERM HUP; do
    start_hang
    kill -"$sig" "$pid"
    wait "$pid"
    rc=$?
    want=$((128 + $(kill -l "$sig")))
    if [ "$rc" = "$want" ]; then ok "SIG$sig to the launcher"; else bad "SIG$sig" "status $rc"; fi
done

# QEMU killed from outside.
start_hang
kill -KILL "$(pgrep -P "$pid")"
wait "$pid"
rc=$?
if [ "$rc" = 125 ] && grep -q 'killed by SIGKILL' "$tmp/err"; then
    ok "QEMU killed from outside"
else
    bad "QEMU killed from outside" "status $rc: $(cat "$tmp/err")"
fi

# The launcher killed outright: QEMU must follow (parent-death signal).
start_hang
q=$(pgrep -P "$pid")
kill -KILL "$pid"
wait "$pid" 2>/dev/null
gone=no
for _ in $(seq 100); do kill -0 "$q" 2>/dev/null || { gone=yes; break; }; sleep 0.02; done
if [ "$gone" = yes ]; then ok "QEMU dies with a killed launcher"; else bad "kill -9" "QEMU $q lives"; kill -KILL "$q"; fi

# With the real aerokernel built: bad pointers and descriptors handed to
# forwarded calls fail exactly as natively.
AERO=$root/build/kernel/aerokernel.elf
if [ -f "$AERO" ]; then
    "$root/bin/mvcc" -O2 -o "$tmp/badptr" "$here/badptr.c"
    "$tmp/badptr" >"$tmp/n.txt" 2>&1
    nrc=$?
    timeout 60 "$L" --kernel "$AERO" "$tmp/badptr" >"$tmp/h.txt" 2>&1
    hrc=$?
    if [ "$nrc" = 0 ] && [ "$hrc" = 0 ] && cmp -s "$tmp/n.txt" "$tmp/h.txt"; then
        ok "aerokernel: bad pointers fail as natively"
    else
        bad "aerokernel: bad pointers" "status $nrc/$hrc: $(diff "$tmp/n.txt" "$tmp/h.txt" | head -5)"
    fi
    # a static-pie program (ET_DYN) is placed at MV_IMAGE_BASE; musl-gcc's
    # specs cannot link one, so link it by hand
    M=/usr/lib/x86_64-linux-musl
    musl-gcc -O2 -g -fPIE -fno-omit-frame-pointer -c -o "$tmp/nd.o" "$root/test/programs/null_deref.c"
    gcc -nostdlib -static-pie -o "$tmp/pie" $M/rcrt1.o $M/crti.o "$tmp/nd.o" -L$M -lc $M/crtn.o \
        "$(gcc -print-libgcc-file-name)"
    timeout 60 "$L" --kernel "$AERO" "$tmp/pie" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" = 139 ] && grep -q 'about to dereference NULL' "$tmp/out" &&
       grep -Eq '^    #0 0x[0-9a-f]+ in poke_null at .*null_deref.c:[0-9]+$' "$tmp/err"; then
        ok "aerokernel: static-pie program loaded, fault symbolized"
    else
        bad "aerokernel: static-pie" "status $rc: $(cat "$tmp/err")"
    fi
else
    echo "skip aerokernel: bad pointers, static-pie ($AERO not built)"
fi

# --profile (docs/profiling.md): options, and the raw file's first lines
# and E line with the launcher's status whatever the ending.
expect "--profile-hz needs --profile" 125 "" '--profile-hz needs --profile FILE' \
    -- --profile-hz 100 --kernel "$K" "$tmp/prog" x
expect "--profile-hz 0 refused" 125 "" '--profile-hz must be 1\.\.10000' \
    -- --profile "$tmp/p" --profile-hz 0 --kernel "$K" "$tmp/prog" x
expect "--profile-hz 20000 refused" 125 "" '--profile-hz must be 1\.\.10000' \
    -- --profile "$tmp/p" --profile-hz 20000 --kernel "$K" "$tmp/prog" x
expect "--profile in a missing folder" 125 "" 'cannot open the profile file .*/none/p' \
    -- --profile "$tmp/none/p" --kernel "$K" "$tmp/prog" x
# profile_ok NAME STATUS: $tmp/prof is a complete raw profile ending with STATUS
profile_ok() {
    local first second last
    first=$(head -n 1 "$tmp/prof" 2>/dev/null)
    second=$(sed -n 2p "$tmp/prof" 2>/dev/null | cut -c 1-12)
    last=$(tail -n 1 "$tmp/prof" 2>/dev/null)
    if [ "$first" = "mvprof 1" ] && [ "$second" = 'H {"program"' ] &&
       [[ "$last" =~ ^E\ \{\"duration_ns\":[0-9]+,\"samples\":[0-9]+,\"dropped\":0,\"status\":$2\}$ ]]; then
        ok "$1"
    else
        bad "$1" "$(head -c 300 "$tmp/prof" 2>/dev/null) ... $last"
    fi
}
for c in "exit 2 xy" "fault 139 fault" "panic 125 panic" "QEMU-dies 125 quit"; do
    set -- $c
    rm -f "$tmp/prof"
    timeout 20 "$L" --profile "$tmp/prof" --profile-hz 250 --kernel "$K" "$tmp/prog" "$3" \
        >/dev/null 2>&1
    profile_ok "profile file ends with E after: $1" "$2"
done
rm -f "$tmp/prof"
start_hang --profile "$tmp/prof"
kill -INT "$pid"
wait "$pid"
profile_ok "profile file ends with E after: SIGINT" 130

# Nothing left behind.
if [ "$(ls /dev/shm | sort)" = "$shm_before" ]; then ok "nothing left in /dev/shm"; else bad "/dev/shm" "$(ls /dev/shm)"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

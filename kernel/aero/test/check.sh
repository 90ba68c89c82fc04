#!/usr/bin/env bash
# check.sh - aerokernel tests: each program in this folder runs natively and
# under mv-launch; stdout and exit status must be the same, and the status
# must be the expected one. Usage: check.sh (from `make -C kernel/aero check`).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
launch=$root/build/ros/mv-launch
kernel=$root/build/kernel/aerokernel.elf
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# program:expected-status
cases="signals:140 memory:0 hlt:139 intn:139 futex:0"
pass=0 fail=0
[ -x "$launch" ] || { echo "check: build the launcher first (make -C kernel)"; exit 1; }
for c in $cases; do
    name=${c%%:*} want=${c##*:}
    if ! musl-gcc -static -no-pie -g -fno-omit-frame-pointer -O1 -o "$work/$name" "$here/$name.c"; then
        echo "FAIL $name: does not build"; fail=$((fail + 1)); continue
    fi
    (cd "$work" && timeout 30 "./$name" > "$name.native" 2> /dev/null) 2> /dev/null; nst=$?
    (cd "$work" && timeout 60 "$launch" --kernel "$kernel" --log "$name.log" "./$name" \
        > "$name.hybrid" 2> "$name.err"); hst=$?
    if [ "$nst" != "$want" ] || [ "$hst" != "$want" ]; then
        echo "FAIL $name: status native $nst, hybrid $hst, expected $want"
        sed 's/^/    /' "$work/$name.err" | head -20
        fail=$((fail + 1))
    elif ! cmp -s "$work/$name.native" "$work/$name.hybrid"; then
        echo "FAIL $name: stdout differs"
        diff "$work/$name.native" "$work/$name.hybrid" | sed 's/^/    /' | head -20
        fail=$((fail + 1))
    else
        echo "ok   $name (status $want)"
        pass=$((pass + 1))
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

#!/bin/bash
# demo.sh - `npm run demo`: hybridize the bundled example (rebuild it with
# bin/mvcc, no source change), boot it with the profiler on (`multiverse
# profile`), and print its output followed by the profile summary: functions
# by samples, forwarded calls by cost, native calls (docs/profiling.md).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$repo/build/examples/hello
mkdir -p "$out"

echo "\$ bin/mvcc -O2 -o build/examples/hello/hello examples/hello/hello.c"
"$repo/bin/mvcc" -O2 -o "$out/hello" "$here/hello.c"

cd "$repo"
# the files to count: enough input for the profiler to see the program work
# (at 5000 samples per second; the default rate is 500)
files=(examples/hello/hello.c package-lock.json docs/*.md)
echo "\$ bin/multiverse profile --hz 5000 --top 8 --out build/examples/hello/hello.mvprof.json -- build/examples/hello/hello ${files[*]}"
exec "$repo/bin/multiverse" profile --hz 5000 --top 8 --out build/examples/hello/hello.mvprof.json -- \
    build/examples/hello/hello "${files[@]}"

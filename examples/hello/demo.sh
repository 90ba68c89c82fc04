#!/bin/bash
# demo.sh - `npm run demo`: hybridize the bundled example (rebuild it with
# bin/mvcc, no source change), boot it with `multiverse run`, and print its
# output followed by the forwarded-call counts (--stats -).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$repo/build/examples/hello
mkdir -p "$out"

echo "\$ bin/mvcc -O2 -o build/examples/hello/hello examples/hello/hello.c"
"$repo/bin/mvcc" -O2 -o "$out/hello" "$here/hello.c"

cd "$repo"
echo "\$ bin/multiverse run --stats -- build/examples/hello/hello examples/hello/hello.c examples/hello/demo.sh"
exec "$repo/bin/multiverse" run --stats -- build/examples/hello/hello examples/hello/hello.c examples/hello/demo.sh

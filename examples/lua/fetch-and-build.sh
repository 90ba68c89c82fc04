#!/bin/bash
# fetch-and-build.sh - gets Debian's lua5.4 source package and builds the
# interpreter with the Multiverse compiler wrapper:
#     make posix CC=<repo>/bin/mvcc
# The result is an ordinary static ELF that runs natively and as a hybrid.
#
# Usage: examples/lua/fetch-and-build.sh [CACHE_DIR]
#   CACHE_DIR  where the source package is kept and built
#              (default: $MULTIVERSE_LUA_DIR, else <repo>/build/lua)
# Prints the path of the built interpreter on its last line of stdout.
#
# The tree is unpacked with Debian's source fixes (CVEs, extern "C") but
# without its packaging patches: build-system (libtool and a shared liblua)
# and lua-modules-paths (needs a header debian/rules generates). The plain
# upstream Makefile (make posix) then builds the static interpreter.
# Needs apt-get and dpkg-source (dpkg-dev); tools/lib/debsrc.sh fetches the
# source package (adding a deb-src entry when none exists, root only).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${1:-${MULTIVERSE_LUA_DIR:-$repo/build/lua}}
mvcc=$repo/bin/mvcc
pkg=lua5.4

say() { echo "lua: $*" >&2; }
die() { echo "lua: error: $*" >&2; exit 1; }

command -v apt-get >/dev/null || die "apt-get not found: this recipe needs Debian's apt"
command -v dpkg-source >/dev/null || die "dpkg-source not found: install the Debian package dpkg-dev"
[ -x "$mvcc" ] || die "$mvcc not found"

# shellcheck source=../../tools/lib/debsrc.sh
. "$repo/tools/lib/debsrc.sh"

dsc=$(fetch)
tree=$cache/src
if [ ! -f "$tree/.unpacked" ] || [ "$tree/.unpacked" -ot "$dsc" ]; then
    rm -rf "$tree"
    say "unpacking $(basename "$dsc")"
    dpkg-source --skip-patches -x "$dsc" "$tree" >&2 || die "dpkg-source -x $dsc failed"
    [ -f "$tree/src/Makefile" ] || die "$tree/src/Makefile not found: not the layout this recipe knows"
    for p in $(grep -v '^#' "$tree/debian/patches/series" 2>/dev/null); do
        case $p in *build-system*|*modules-paths*) continue ;; esac
        say "applying debian/patches/$p"
        patch -d "$tree" -p1 -s < "$tree/debian/patches/$p" || die "debian/patches/$p does not apply"
    done
    touch "$tree/.unpacked"
fi

lua=$tree/src/lua
libc=$repo/build/musl/lib/libc.a   # the C library mvcc links, when built
if [ ! -x "$lua" ] || [ "$lua" -ot "$tree/.unpacked" ] || [ "$lua" -ot "$mvcc" ] ||
    { [ -f "$libc" ] && [ "$lua" -ot "$libc" ]; }; then
    say "make posix CC=bin/mvcc"
    make -C "$tree" clean >/dev/null
    make -C "$tree" posix CC="$mvcc" >&2 || die "make posix CC=$mvcc failed"
fi
file_type=$(od -An -c -N4 "$lua" | tr -d ' ')
[ "$file_type" = '177ELF' ] || die "$lua is not an ELF"
echo "$lua"

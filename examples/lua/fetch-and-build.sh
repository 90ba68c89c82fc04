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
# Needs apt-get and dpkg-source (dpkg-dev); when no deb-src entry exists for
# the Debian release this machine runs, one is added next to the existing
# deb entry (root only), mirroring its URIs.
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

# The release name (bookworm...) of this machine.
codename() {
    . /etc/os-release
    echo "${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}"
}

# True if apt already knows a deb-src entry for the release.
have_deb_src() {
    local rel=$1
    grep -Eqs "^[[:space:]]*deb-src[[:space:]].*[[:space:]]$rel[[:space:]]" /etc/apt/sources.list /etc/apt/sources.list.d/*.list && return 0
    awk -v rel="$rel" '
        /^Types:/ { src = ($0 ~ /deb-src/) }
        /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == rel && src) found = 1 }
        /^$/ { src = 0 }
        END { exit !found }' /etc/apt/sources.list.d/*.sources 2>/dev/null
}

# Write a deb-src twin of every deb822 stanza that serves the release.
add_deb_src() {
    local rel=$1 out=/etc/apt/sources.list.d/multiverse-deb-src.sources
    [ "$(id -u)" = 0 ] || die "no deb-src entry for $rel and not root: add one to /etc/apt/sources.list.d and rerun"
    awk -v rel="$rel" '
        function flush() {
            if (n && serves) { if (printed++) print ""; for (i = 1; i <= n; i++) print lines[i] }
            n = 0; serves = 0
        }
        /^[[:space:]]*$/ { flush(); next }
        /^#/ { next }
        /^Types:/ { lines[++n] = "Types: deb-src"; next }
        /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == rel) serves = 1 }
        { lines[++n] = $0 }
        END { flush() }' /etc/apt/sources.list.d/*.sources > "$out.tmp" 2>/dev/null || true
    if [ ! -s "$out.tmp" ] && ls /etc/apt/sources.list /etc/apt/sources.list.d/*.list >/dev/null 2>&1; then
        rm -f "$out.tmp"
        out=/etc/apt/sources.list.d/multiverse-deb-src.list
        sed -n -E "s/^[[:space:]]*deb[[:space:]]+((\[[^]]*\][[:space:]]+)?[^[:space:]]+[[:space:]]+$rel[[:space:]].*)/deb-src \1/p" \
            /etc/apt/sources.list /etc/apt/sources.list.d/*.list > "$out.tmp" 2>/dev/null || true
    fi
    [ -s "$out.tmp" ] || { rm -f "$out.tmp"; die "found no deb entry for $rel to mirror as deb-src"; }
    mv "$out.tmp" "$out"
    say "added $out"
    apt-get update -qq >&2 || die "apt-get update failed after adding $out"
}

# Download the source package into $cache/pkg (once).
fetch() {
    local rel dsc
    dsc=$(ls "$cache"/pkg/${pkg}_*.dsc 2>/dev/null | head -n1 || true)
    if [ -n "$dsc" ]; then
        echo "$dsc"
        return
    fi
    rel=$(codename)
    have_deb_src "$rel" || add_deb_src "$rel"
    mkdir -p "$cache/pkg"
    say "apt-get source --download-only $pkg"
    (cd "$cache/pkg" && apt-get source -qq --download-only "$pkg" >&2) ||
        die "apt-get source $pkg failed: is a deb-src entry for $rel reachable? (see above)"
    dsc=$(ls "$cache"/pkg/${pkg}_*.dsc 2>/dev/null | head -n1 || true)
    [ -n "$dsc" ] || die "apt-get source left no .dsc in $cache/pkg"
    echo "$dsc"
}

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
if [ ! -x "$lua" ] || [ "$lua" -ot "$tree/.unpacked" ] || [ "$lua" -ot "$mvcc" ]; then
    say "make posix CC=bin/mvcc"
    make -C "$tree" clean >/dev/null
    make -C "$tree" posix CC="$mvcc" >&2 || die "make posix CC=$mvcc failed"
fi
file_type=$(od -An -c -N4 "$lua" | tr -d ' ')
[ "$file_type" = '177ELF' ] || die "$lua is not an ELF"
echo "$lua"

# debsrc.sh - fetching a Debian source package, sourced by the recipes that
# build from one (examples/lua/fetch-and-build.sh, kernel/toolchain/build-musl).
# The caller defines say and die and sets pkg (the source package) and cache
# (its folder; the package lands in $cache/pkg). When no deb-src entry exists
# for the Debian release this machine runs, one is added next to the existing
# deb entry (root only), mirroring its URIs.

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

# Download the source package into $cache/pkg (once) and print its .dsc.
# fetch [VERSION]: that version of it (as dpkg-query prints it), else apt's.
fetch() {
    local rel dsc ver=${1:-} glob
    glob="${pkg}_${ver#*:}"
    [ -n "$ver" ] || glob="${pkg}_*"
    dsc=$(ls "$cache"/pkg/$glob.dsc 2>/dev/null | head -n1 || true)
    if [ -n "$dsc" ]; then
        echo "$dsc"
        return
    fi
    rel=$(codename)
    have_deb_src "$rel" || add_deb_src "$rel"
    mkdir -p "$cache/pkg"
    say "apt-get source --download-only $pkg${ver:+=$ver}"
    (cd "$cache/pkg" && apt-get source -qq --download-only "$pkg${ver:+=$ver}" >&2) ||
        die "apt-get source $pkg${ver:+=$ver} failed: is a deb-src entry for $rel reachable? (see above)"
    dsc=$(ls "$cache"/pkg/$glob.dsc 2>/dev/null | head -n1 || true)
    [ -n "$dsc" ] || die "apt-get source left no .dsc in $cache/pkg"
    echo "$dsc"
}

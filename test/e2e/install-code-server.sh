#!/usr/bin/env bash
# install-code-server.sh - install code-server (the real VS Code workbench) for the
# end-to-end tests into a cache directory outside the project's node_modules.
#
#   test/e2e/install-code-server.sh        prints the path of the code-server binary
#
# Cache: $MULTIVERSE_CACHE (default ~/.cache/multiverse)/code-server-4.100.3.
# Needs: node 20, npm, Debian's libkrb5-dev and ripgrep (see .ci/e2e-setup).
# The recipe (shared design note VSCODE-E2E.md) works around four install steps
# that fail without internet access or a terminal.
set -euo pipefail

CS_VERSION=4.100.3
# @vscode/ripgrep version and the rg tarball name pinned by code-server 4.100.3's
# lib/vscode/npm-shrinkwrap.json; its postinstall would download this from GitHub.
RG_PKG_VERSION=1.15.11
RG_TARBALL=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

cache=${MULTIVERSE_CACHE:-$HOME/.cache/multiverse}
prefix=$cache/code-server-$CS_VERSION
bin=$prefix/node_modules/.bin/code-server

if [[ -x $bin && -f $prefix/.installed ]]; then
    echo "$bin"
    exit 0
fi

for need in rg node npm; do
    command -v "$need" >/dev/null || {
        echo "install-code-server: '$need' is missing (apt-get install -y ripgrep nodejs npm)" >&2
        exit 1
    }
done
[[ -e /usr/include/krb5.h || -e /usr/include/gssapi/gssapi.h ]] || {
    echo "install-code-server: Kerberos headers missing (apt-get install -y libkrb5-dev)" >&2
    exit 1
}

rm -rf "$prefix"
mkdir -p "$prefix"
tmp=$(mktemp -d "$cache/tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# ripgrep: Debian's rg, packed under the name @vscode/ripgrep's postinstall looks for
# in its download cache under TMPDIR.
rgcache=$tmp/vscode-ripgrep-cache-$RG_PKG_VERSION
mkdir -p "$rgcache" "$tmp/rg"
cp "$(command -v rg)" "$tmp/rg/rg"
tar -C "$tmp/rg" -czf "$rgcache/$RG_TARBALL" rg

echo "install-code-server: installing code-server@$CS_VERSION into $prefix" >&2
(
    cd "$prefix"
    echo '{"name":"multiverse-code-server","private":true}' > package.json
    TMPDIR=$tmp npm_config_unsafe_perm=true npm_config_yes=true \
        npm install --no-audit --no-fund --loglevel=error "code-server@$CS_VERSION" >&2
)
[[ -x $bin ]] || { echo "install-code-server: $bin was not installed" >&2; exit 1; }
touch "$prefix/.installed"
echo "$bin"

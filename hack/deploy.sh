#!/usr/bin/env bash
# Renders an overlay with the manager image set, as YAML on stdout, without touching tracked files:
#   bash hack/deploy.sh [OVERLAY] [IMG] | kubectl apply --server-side -f -
# OVERLAY defaults to kustomize/overlays/cert-manager; IMG to mysql-raft-operator:dev.
# The dev overlay gets its self-signed certificates (untracked, kustomize/overlays/dev/certs-made-by-npm-run-gen-certs) first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
overlay="${1:-kustomize/overlays/cert-manager}"
img="${2:-mysql-raft-operator:dev}"
case "$overlay" in /*) ;; *) overlay="$root/$overlay" ;; esac
[ -f "$overlay/kustomization.yaml" ] || { echo "deploy: $overlay has no kustomization.yaml; overlays: $(ls "$root/kustomize/overlays" | tr '\n' ' ')" >&2; exit 2; }
kustomize="$(bash "$root/hack/install-kustomize.sh")"

if grep -q "certs-made-by-npm-run-gen-certs/tls.crt" "$overlay/kustomization.yaml" && [ ! -f "$overlay/certs-made-by-npm-run-gen-certs/tls.crt" ]; then
  (cd "$root" && npx --no-install tsx hack/gen-certs.ts --out "$overlay/certs-made-by-npm-run-gen-certs" >/dev/null)
fi

# name[:tag] or name@digest; a registry port (host:5000/name) is not a tag.
name="$img"; tag=""; digest=""
if [[ "$img" == *@* ]]; then name="${img%%@*}"; digest="${img#*@}";
elif [[ "${img##*/}" == *:* ]]; then name="${img%:*}"; tag="${img##*:}"; fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
{
  echo "apiVersion: kustomize.config.k8s.io/v1beta1"
  echo "kind: Kustomization"
  echo "resources:"
  echo "  - $(realpath --relative-to="$tmp" "$overlay")"   # kustomize refuses absolute paths
  echo "images:"
  echo "  - name: mysql-raft-operator"
  echo "    newName: \"$name\""
  [ -z "$tag" ] || echo "    newTag: \"$tag\""
  [ -z "$digest" ] || echo "    digest: \"$digest\""
} > "$tmp/kustomization.yaml"
"$kustomize" build "$tmp"

#!/usr/bin/env bash
# Installs kubectl for the conformance suite's kubectl-driven tests when none is on PATH: Debian's
# `kubernetes-client` package. Without kubectl those tests are reported as skipped, never as passing.
set -euo pipefail
if command -v kubectl >/dev/null 2>&1; then
  echo "kubectl present: $(kubectl version --client 2>/dev/null | head -n 1)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "kubectl is missing and apt-get is not available; install kubectl >= 1.31 by hand" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubernetes-client
kubectl version --client

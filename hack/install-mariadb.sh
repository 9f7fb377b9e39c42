#!/usr/bin/env bash
# Installs Debian's mariadb-server when no mariadbd is on this machine. Tests start their own
# mariadbd instances; this script never starts, stops or reconfigures a system server.
set -euo pipefail
if command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# policy-rc.d keeps the package from starting a system server as a side effect of installing it.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends mariadb-server mariadb-client >/dev/null
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]

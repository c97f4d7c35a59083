#!/usr/bin/env bash
# Install the system packages Siaga112 needs when they are missing:
# mosquitto (tests start their own broker), redis-server (and their own Redis), nginx (the
# deployment tier test runs deploy/nginx/siaga112.conf), openssl, chromium (browser tests),
# node/npm (front-end assets).
set -euo pipefail

need=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)  # deployment tier test
command -v openssl >/dev/null 2>&1 || need+=(openssl)  # test certificates for the TLS listener
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)  # tests start their own Redis
if [ "${SIAGA_SKIP_BROWSER:-0}" != "1" ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
fi
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

echo "system-deps: installing ${need[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "system-deps: need root (or sudo) to install: ${need[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"

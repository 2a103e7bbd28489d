#!/usr/bin/env bash
# Installs what the platform needs on a fresh Debian machine (as root) and
# builds it: the Debian packages of the services, then npm ci and tsc -b.
# Idempotent: a second run installs nothing and only rebuilds.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js >= 20 is needed (found: $(node --version 2>/dev/null || echo none)); Debian 12's nodejs is 18 — install Node 20 from nodejs.org or NodeSource first" >&2
  exit 1
fi

PACKAGES=(victoria-metrics rabbitmq-server prometheus-alertmanager prometheus chromium protobuf-compiler amqp-tools openssl curl)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages (${missing[*]}); run as root to install them" >&2
    exit 1
  fi
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The packages start system services on the very ports the stack uses
  # (8428, 5672, 15672, 9093, 9090): the launcher runs its own processes, so
  # the services installed here are stopped and disabled. Services that were
  # installed before are left alone.
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    for p in "${missing[@]}"; do
      case "$p" in
        victoria-metrics | rabbitmq-server | prometheus | prometheus-alertmanager)
          systemctl disable --now "$p" >/dev/null 2>&1 || true
          ;;
      esac
    done
  fi
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
echo "setup: build"
npx tsc -b
# The portal is bundled here, not at API start: the API reads api/dist/portal-www/.
npm run build:portal -w api

#!/usr/bin/env bash
# `npm run demo`: on a fresh Debian machine as root, installs what is missing,
# builds, then runs the whole stack with a simulated fleet and prints
#   Portal: http://127.0.0.1:8080  login: demo@example.com / <password>
# Ctrl-C stops every process it started. Data stays in STATE_DIR
# (default /var/lib/energymonitor) for the next start.
#   DEMO_PASSWORD         the demo account's password (else generated once)
#   FLEET_HOUSEHOLDS      simulated households (default 50)
#   DEMO_BACKFILL_HOURS   hours of history the fleet publishes first (default 24)
set -euo pipefail
cd "$(dirname "$0")/.."
bash compose/setup.sh
exec node compose/dist/cli.js --fleet \
  --households "${FLEET_HOUSEHOLDS:-50}" \
  --backfill-hours "${DEMO_BACKFILL_HOURS:-24}"

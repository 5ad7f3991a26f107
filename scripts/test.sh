#!/usr/bin/env bash
# The test command (README, CI): unit + integration (real slapd, real keychain) + E2E in Chromium.
# Runs itself inside a private D-Bus session with an unlocked gnome-keyring so keytar has a Secret Service.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/node22.sh

if [ "${HELPDESK_IN_TEST_SESSION:-}" != 1 ]; then
  export HELPDESK_IN_TEST_SESSION=1
  exec dbus-run-session -- bash "$0" "$@"
fi

# A throwaway keyring for this run only (its own HOME-independent data dir).
export XDG_DATA_HOME="$(mktemp -d)"
trap 'rm -rf "$XDG_DATA_HOME"' EXIT
printf '%s' "helpdesk-test-$$" | gnome-keyring-daemon --unlock --components=secrets >/dev/null

mkdir -p test-results
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json || status=1
npx electron-vite build >/dev/null
npx playwright test || status=1

node scripts/test-summary.mjs test-results/vitest.json test-results/playwright.json || status=1
exit $status

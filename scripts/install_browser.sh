#!/usr/bin/env bash
# Headless Chromium for the portal's browser tests (tests/browser): Debian's `chromium` package,
# driven by Playwright with executable_path=/usr/bin/chromium, plus `chromium-l10n` so date fields
# and file pickers read in Vietnamese (--lang=vi-VN) in the screenshots. Playwright's own browser
# download (`playwright install`) is never used. Does nothing when both are already there.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -e /usr/lib/chromium/locales/vi.pak ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install_browser.sh: chromium is missing; run as root (apt-get install chromium chromium-l10n)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium chromium-l10n >/dev/null
/usr/bin/chromium --version 2>/dev/null | head -n1 || true

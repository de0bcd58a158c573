#!/usr/bin/env bash
# Headless Chromium for the portal's browser tests (tests/browser): Debian's `chromium` package,
# driven by Playwright with executable_path=/usr/bin/chromium. Playwright's own browser download
# (`playwright install`) is never used. Does nothing when /usr/bin/chromium exists.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install_browser.sh: /usr/bin/chromium is missing; run as root (apt-get install chromium)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version 2>/dev/null | head -n1 || true

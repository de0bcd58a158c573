#!/usr/bin/env bash
# Checks the Prometheus configuration and alert rules with promtool (CI: .ci/run).
# promtool comes from PATH, else from Debian's `prometheus` package, downloaded (not installed: that
# would start a Prometheus server) and unpacked under tests/artifacts/promtool. Without either, it
# says so and exits 0: tests/security/test_monitoring_config.py still checks the files with PyYAML.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=tests/artifacts/promtool
PROMTOOL=$(command -v promtool || true)
if [ -z "$PROMTOOL" ] && [ -x "$CACHE/usr/bin/promtool" ]; then PROMTOOL=$CACHE/usr/bin/promtool; fi
if [ -z "$PROMTOOL" ] && command -v apt-get >/dev/null 2>&1; then
  mkdir -p "$CACHE"
  if (cd "$CACHE" && apt-get download prometheus >/dev/null 2>&1) \
     || (apt-get update -qq >/dev/null 2>&1 && cd "$CACHE" && apt-get download prometheus >/dev/null 2>&1); then
    dpkg-deb -x "$CACHE"/prometheus_*.deb "$CACHE" && PROMTOOL=$CACHE/usr/bin/promtool
  fi
fi
if [ -z "$PROMTOOL" ]; then
  echo "promtool not available: alert rules checked by the test suite only" >&2
  exit 0
fi
"$PROMTOOL" check config deploy/prometheus/prometheus.yml
"$PROMTOOL" test rules deploy/prometheus/alerts_test.yml

#!/bin/sh
# Debian builds prometheus with /var/lib/prometheus/metrics2 as the default storage path; the
# official binary's default is data/ under the working directory, i.e. /prometheus/data in the volume.
case "$*" in
  *--storage.tsdb.path*) ;;
  *) set -- "$@" --storage.tsdb.path=/prometheus/data ;;
esac
exec /usr/bin/prometheus "$@"

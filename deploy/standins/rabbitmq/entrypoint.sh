#!/bin/sh
# The official image's contract: RABBITMQ_DEFAULT_USER/PASS become the first user (only on an empty
# data directory, as RabbitMQ itself applies default_user), then the server runs as `rabbitmq`.
set -eu
conf=/etc/rabbitmq/conf.d/10-defaults.conf
mkdir -p /etc/rabbitmq/conf.d
{
  echo "loopback_users.guest = false"
  echo "listeners.tcp.default = 5672"
  echo "management.tcp.port = 15672"
  [ -n "${RABBITMQ_DEFAULT_USER:-}" ] && echo "default_user = ${RABBITMQ_DEFAULT_USER}"
  [ -n "${RABBITMQ_DEFAULT_PASS:-}" ] && echo "default_pass = ${RABBITMQ_DEFAULT_PASS}"
  [ -n "${RABBITMQ_DEFAULT_VHOST:-}" ] && echo "default_vhost = ${RABBITMQ_DEFAULT_VHOST}"
  true
} > "$conf"
chown -R rabbitmq:rabbitmq /etc/rabbitmq/conf.d /var/lib/rabbitmq
chmod 600 "$conf"
if [ "$(id -u)" = 0 ] && [ "${1:-}" = rabbitmq-server ]; then
  shift
  exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups /usr/lib/rabbitmq/bin/rabbitmq-server "$@"
fi
exec "$@"

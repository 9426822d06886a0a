#!/usr/bin/env bash
# Make sure a Docker engine answers on this machine.
#
# If `docker info` already works, nothing is done. Otherwise Debian's docker.io
# package is installed (when dockerd is missing) and dockerd is started in the
# background, logging to build/dockerd.log, and the script waits until the
# engine answers.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
log_dir="$root/build"
timeout=${DOCKER_ENGINE_TIMEOUT:-60}

if docker info >/dev/null 2>&1; then
    echo "docker-engine: engine already answering"
    exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ]; then
        echo "docker-engine: no Docker engine and not root: cannot install docker.io" >&2
        exit 1
    fi
    echo "docker-engine: installing Debian's docker.io"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends docker.io iptables ca-certificates >/dev/null
fi

mkdir -p "$log_dir"
if ! pgrep -x dockerd >/dev/null 2>&1; then
    echo "docker-engine: starting dockerd (log: $log_dir/dockerd.log)"
    # setsid: the engine must outlive this make run.
    setsid dockerd >>"$log_dir/dockerd.log" 2>&1 </dev/null &
fi

for _ in $(seq 1 "$timeout"); do
    if docker info >/dev/null 2>&1; then
        echo "docker-engine: engine ready ($(docker version --format '{{.Server.Version}}'))"
        exit 0
    fi
    sleep 1
done
echo "docker-engine: dockerd did not answer within ${timeout}s; last log lines:" >&2
tail -n 20 "$log_dir/dockerd.log" >&2 || true
exit 1

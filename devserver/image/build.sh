#!/usr/bin/env bash
# Build the dev server's container image without any image registry.
#
#   devserver/image/build.sh [TAG]        (default tag: connect-dev:local)
#
# 1. Base image (default secretops/debian-base:bookworm): a minimal Debian rootfs
#    made with debootstrap from this machine's configured Debian mirror, holding
#    python3, imported with `docker import`. It is built only when missing (or
#    when its recipe changed) and reused otherwise.
# 2. Wheels for the dev server and its runtime dependencies, built on this
#    machine with the project's pinned versions (the image's Python is the same
#    minor version as the project's).
# 3. `docker build` of devserver/image/Dockerfile on top of the base image
#    (passed as BASE_IMAGE: the Dockerfile's default is the public
#    python:3.11-slim-bookworm, for builds with a registry at hand).
#
# Environment: BASE_IMAGE, DEBIAN_SUITE, DEBIAN_MIRROR, PYTHON (pip to build the
# wheels with), IMAGE_BUILD_DIR (scratch space, default build/image).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tag=${1:-connect-dev:local}
suite=${DEBIAN_SUITE:-bookworm}
base=${BASE_IMAGE:-secretops/debian-base:$suite}
python=${PYTHON:-$root/.venv/bin/python}
work=${IMAGE_BUILD_DIR:-$root/build/image}
# Packages of the base rootfs on top of debootstrap's minbase variant.
base_packages=python3

log() { echo "image: $*"; }
die() { echo "image: error: $*" >&2; exit 1; }

docker info >/dev/null 2>&1 || die "no Docker engine answers (run 'make docker-engine' or scripts/docker-engine.sh)"

# The Debian mirror this machine's apt uses (deb822 .sources or one-line lists).
debian_mirror() {
    local uri
    uri=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null \
          | awk '{print $2}' | grep -vE 'security|backports' | head -n1 || true)
    if [ -z "$uri" ]; then
        uri=$(grep -hsE '^deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
              | awk '{ for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { print $i; exit } }' \
              | grep -vE 'security|backports' | head -n1 || true)
    fi
    echo "${uri:-http://deb.debian.org/debian}"
}

# The base image carries a label with a digest of its recipe, so changing the
# recipe rebuilds it while an unchanged one is reused.
recipe=$(printf '%s\n' "$suite" "$base_packages" minbase | sha256sum | cut -c1-16)
current=$(docker image inspect --format '{{ index .Config.Labels "org.secretops.base-recipe" }}' "$base" 2>/dev/null || true)
if [ "$current" = "$recipe" ]; then
    log "base image $base present, reused"
else
    command -v debootstrap >/dev/null 2>&1 || {
        [ "$(id -u)" = 0 ] || die "debootstrap is missing and this is not root"
        log "installing debootstrap"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null \
            || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
    }
    mirror=${DEBIAN_MIRROR:-$(debian_mirror)}
    rootfs="$work/rootfs"
    rm -rf "$rootfs"
    mkdir -p "$work"
    log "building base image $base: debootstrap $suite from $mirror (log: $work/debootstrap.log)"
    if ! debootstrap --variant=minbase --include="$base_packages" "$suite" "$rootfs" "$mirror" \
            >"$work/debootstrap.log" 2>&1; then
        tail -n 20 "$work/debootstrap.log" >&2
        die "debootstrap failed"
    fi
    # Keep the image small: no package caches or lists.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
        "$rootfs"/var/log/*.log "$rootfs"/debootstrap \
        "$rootfs"/usr/share/doc "$rootfs"/usr/share/man "$rootfs"/usr/share/info \
        "$rootfs"/usr/share/locale
    tar --numeric-owner -C "$rootfs" -c . \
        | docker import --change "LABEL org.secretops.base-recipe=$recipe" \
            --change 'CMD ["/bin/bash"]' - "$base" >/dev/null
    rm -rf "$rootfs"
    log "base image $base built"
fi

# Wheels of the dev server and its runtime dependencies, pinned by the
# project's requirement files; pip itself installs them inside the image.
ctx="$work/context"
rm -rf "$ctx"
mkdir -p "$ctx/wheels"
[ -f "$root/devserver/pyproject.toml" ] || die "devserver/pyproject.toml is missing"
constraints=()
for req in "$root/requirements/base.txt" "$root/requirements/devserver.txt"; do
    [ -f "$req" ] && constraints+=(-c "$req")
done
log "building wheels for the dev server"
"$python" -m pip wheel --quiet --disable-pip-version-check --wheel-dir "$ctx/wheels" \
    --only-binary=:all: "${constraints[@]}" "$("$python" -m pip --version | awk '{print "pip=="$2}')" \
    >"$work/wheels.log" 2>&1 || { tail -n 20 "$work/wheels.log" >&2; die "could not fetch pip"; }
"$python" -m pip wheel --quiet --disable-pip-version-check --wheel-dir "$ctx/wheels" \
    "${constraints[@]}" "$root/devserver" >>"$work/wheels.log" 2>&1 \
    || { tail -n 20 "$work/wheels.log" >&2; die "could not build the dev server wheels"; }
# The same layout as a build from devserver/: image/ beside wheels/.
mkdir -p "$ctx/image"
cp "$here/Dockerfile" "$here/entrypoint.sh" "$here/healthcheck.py" "$ctx/image/"

log "docker build $tag"
DOCKER_BUILDKIT=0 docker build --quiet --build-arg "BASE_IMAGE=$base" -f "$ctx/image/Dockerfile" -t "$tag" "$ctx" >/dev/null 2>"$work/build.log" \
    || { tail -n 30 "$work/build.log" >&2; die "docker build failed"; }
log "built $tag ($(docker image inspect --format '{{.Id}}' "$tag" | cut -c1-19))"

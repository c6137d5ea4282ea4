#!/usr/bin/env bash
# Makes sure the base image both Dockerfiles start FROM exists: present, else pulled, else (no registry
# reachable) built from Debian's archive with mmdebstrap, slimmed like Debian's own slim images.
set -euo pipefail

image=${1:?usage: base-image.sh IMAGE (e.g. debian:trixie-slim)}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
here=$(cd "$(dirname "$0")" && pwd)

if docker image inspect "$image" >/dev/null 2>&1; then
  exit 0
fi
echo "base image $image: not present, trying to pull it"
if docker pull "$image" >/dev/null 2>&1; then
  echo "base image $image: pulled"
  exit 0
fi

# Only Debian's slim images can be rebuilt here: debian:SUITE-slim.
if [[ ! $image =~ ^debian:([a-z]+)-slim$ ]]; then
  echo "base image $image: cannot be pulled and only debian:SUITE-slim can be built locally" >&2
  exit 1
fi
suite=${BASH_REMATCH[1]}

command -v mmdebstrap >/dev/null || "$here/apt-install" mmdebstrap

echo "base image $image: cannot be pulled; building it from $mirror ($suite, minbase, slimmed)"
start=$SECONDS
# Imported under a name of its own and tagged only once mmdebstrap succeeded: `docker import` takes
# whatever it is given, so a failed build would otherwise leave an empty image that the next run
# takes as present.
partial="wsgi-stack-base-partial:$suite-$$"
trap 'docker image rm --force "$partial" >/dev/null 2>&1 || true' EXIT
mmdebstrap --quiet --variant=minbase --format=tar \
  --dpkgopt="$here/base-image/dpkg-excludes" \
  --aptopt="$here/base-image/apt-docker-clean" \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*.log "$1"/var/log/apt/*' \
  "$suite" - "$mirror" |
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    --change "LABEL org.opencontainers.image.description=\"$image built locally from $mirror by mmdebstrap\"" \
    - "$partial" >/dev/null
docker tag "$partial" "$image"
size=$(docker image inspect --format '{{.Size}}' "$image")
echo "base image $image: built in $((SECONDS - start)) s, $((size / 1000000)) MB"

#!/usr/bin/env bash
# Image builds only (app/Dockerfile): installs Debian packages, leaving no apt lists behind.
#   apt-packages --python X.Y [--lists DIR] PACKAGE...
# --python: this Debian release's python3 must be X.Y (PYTHON_VERSION), else the build stops
# naming the one it has. --lists: DIR/NAME/FILE is app NAME's app/NAME/FILE (apt.txt or
# apt-build.txt), one package per line, `#` comments. A package apt cannot find stops the build,
# naming the file it came from.
set -euo pipefail

python= lists=/nonexistent
while [[ ${1:-} == --* ]]; do
  case $1 in
    --python) python=$2 ;;
    --lists) lists=$2 ;;
    *) echo "apt-packages: unknown option $1" >&2 && exit 2 ;;
  esac
  shift 2
done
packages=("$@")
declare -A origin=()
shopt -s nullglob
for list in "$lists"/*/*.txt; do
  file=app/${list#"$lists"/}
  while read -r package _; do
    [[ -n $package && $package != \#* ]] || continue
    [[ $package =~ ^[a-z0-9][a-z0-9+.-]+$ ]] || {
      echo "$file: '$package' is not a Debian package name" >&2
      exit 1
    }
    packages+=("$package")
    origin[$package]=${origin[$package]:+${origin[$package]}, }$file
  done <"$list"
done

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
have=$(apt-cache show --no-all-versions python3 | sed -n 's/^Version: \([0-9]*\.[0-9]*\).*/\1/p')
[[ $have == "$python" ]] || {
  echo "PYTHON_VERSION=$python, but this base image's Debian release has Python $have: choose its release with PYTHON_VERSION alone under make, or set APP_BASE_IMAGE too (docs/apps.md, \"Python\")" >&2
  exit 1
}
missing=()
for package in "${packages[@]}"; do
  apt-cache show --no-all-versions "$package" >/dev/null 2>&1 ||
    missing+=("$package (${origin[$package]:-app/Dockerfile})")
done
((${#missing[@]} == 0)) || {
  echo "apt cannot find, in this base image's Debian release: ${missing[*]}" >&2
  exit 1
}
apt-get install -qq -y --no-install-recommends "${packages[@]}" >/dev/null
rm -rf /var/lib/apt/lists/*

#!/bin/sh
# Build stages only: creates the virtualenv $1 and installs the pinned, hashed requirements $2.
# Trusts a TLS-inspecting proxy's CA certificates when the build was given them (the build secret
# extra_ca, compose.yaml): they stay in the build stage, never in a runtime image.
set -eu

if [ -s /run/secrets/extra_ca ]; then
  cp /run/secrets/extra_ca /usr/local/share/ca-certificates/extra-ca.crt
  update-ca-certificates
fi
python3 -m venv "$1"
# Compiled to bytecode here: at run time the root filesystem is read-only (and PYTHONDONTWRITEBYTECODE
# set), so without .pyc files every process compiled every module it imports, each time it started:
# each worker and supervisord held more memory (docs/measurements.md).
PIP_CERT=/etc/ssl/certs/ca-certificates.crt "$1/bin/pip" install --require-hashes -r "$2"

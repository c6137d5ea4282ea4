#!/usr/bin/env bash
# nginx's health check: nginx itself answers an HTTP request (bash's /dev/tcp: no curl in the image).
set -euo pipefail

# A host nginx answers for: the first name in SERVER_NAMES without a wildcard (entrypoint.sh makes
# sure there is one); any other Host gets 421.
host=localhost
read -ra names <<<"${SERVER_NAMES//,/ }"
for name in "${names[@]}"; do
  if [[ $name != *'*'* ]]; then
    host=$name
    break
  fi
done
# The port nginx listens on (nginx/listen.conf); `make bench` moves it for one variant.
exec 3<>/dev/tcp/127.0.0.1/"${NGINX_PORT:-8080}"
printf 'GET /nginx-health HTTP/1.0\r\nHost: %s\r\n\r\n' "$host" >&3
read -r -t 2 status_line <&3
[[ $status_line == "HTTP/1.1 200 "* ]] || { echo "unhealthy: $status_line"; exit 1; }
echo "healthy: $status_line"

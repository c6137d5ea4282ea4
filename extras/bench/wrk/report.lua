-- wrk script: optional pacing (wrk2-style fixed rate, approximately) and a JSON summary on stdout.
-- WRK_DELAY_MS: each connection waits this long between its requests (connections / rate).
local delay_ms = tonumber(os.getenv("WRK_DELAY_MS") or "0")

if delay_ms > 0 then
  function delay()
    return delay_ms
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "non_2xx_3xx": %d, ' ..
    '"socket_errors": %d, "latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end

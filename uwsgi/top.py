#!/opt/venv/bin/python
"""`make top`: every vassal's workers, from the stats sockets (/run/vassals/NAME.stats), refreshed.

  uwsgi-top                 refresh every 2 s until Ctrl-C (prints once when not on a terminal)
  uwsgi-top --once          print the table once and exit
  uwsgi-top --interval 0.5  refresh faster

REQ/s is the rate since the last refresh; AVG ms is uWSGI's running average of response times.
"""

import argparse
import json
import socket
import sys
import time
from pathlib import Path

VASSALS = Path("/run/vassals")
COLUMNS = "{:>4} {:>7} {:<6} {:>9} {:>7} {:>6} {:>7} {:>8} {:>9}"
HEADER = COLUMNS.format("WID", "PID", "STATUS", "REQ", "REQ/s", "EXC", "AVG ms", "RESPAWNS", "HARAKIRI")


def stats(path):
    """The vassal's stats document; its socket answers one JSON object and closes."""
    with socket.socket(socket.AF_UNIX) as connection:
        connection.settimeout(2)
        connection.connect(str(path))
        return json.loads(b"".join(iter(lambda: connection.recv(65536), b"")))


def table(previous, elapsed):
    """The lines of one refresh; `previous` ({(vassal, worker id): requests}) is updated."""
    lines = [time.strftime("uwsgi-top %H:%M:%S") + f"  ({len(list(VASSALS.glob('*.ini')))} vassals)"]
    for path in sorted(VASSALS.glob("*.stats")):
        name = path.stem
        try:
            data = stats(path)
        except (OSError, ValueError) as error:
            lines += ["", f"[{name}] no stats: {error}"]
            continue
        workers = data["workers"]
        total = sum(w["requests"] for w in workers)
        lines += [
            "",
            f"[{name}] master {data['pid']}  workers {len(workers)}  requests {total}"
            f"  listen queue {data['listen_queue']} (errors {data['listen_queue_errors']})",
            HEADER,
        ]
        for w in workers:
            key = (name, w["id"])
            rate = (w["requests"] - previous.get(key, w["requests"])) / elapsed if elapsed else 0
            previous[key] = w["requests"]
            lines.append(
                COLUMNS.format(
                    w["id"],
                    w["pid"],
                    w["status"][:6],
                    w["requests"],
                    f"{rate:.1f}" if elapsed else "-",
                    w["exceptions"],
                    f"{w['avg_rt'] / 1000:.1f}",
                    w["respawn_count"],
                    w["harakiri_count"],
                )
            )
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--once", action="store_true", help="print once and exit")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between refreshes")
    args = parser.parse_args()
    once = args.once or not sys.stdout.isatty()
    previous, last = {}, None
    try:
        while True:
            now = time.monotonic()
            lines = table(previous, now - last if last else 0)
            last = now
            if once:
                print("\n".join(lines))
                return 0
            # Clear the screen and draw from the top, like top(1).
            sys.stdout.write("\033[H\033[2J" + "\n".join(lines) + "\n\n(Ctrl-C to quit)\n")
            sys.stdout.flush()
            time.sleep(args.interval)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())

"""supervisord event listener: on PROCESS_STATE_FATAL, stop supervisord so the container exits.

Only protocol messages may go to stdout; everything else goes to stderr.
"""

import os
import signal
import sys


def main():
    while True:
        sys.stdout.write("READY\n")
        sys.stdout.flush()
        header = dict(token.split(":", 1) for token in sys.stdin.readline().split())
        payload = sys.stdin.read(int(header["len"]))
        print(f"exit-on-fatal: {header['eventname']} {payload}; stopping supervisord", file=sys.stderr)
        os.kill(os.getppid(), signal.SIGTERM)
        sys.stdout.write("RESULT 2\nOK")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

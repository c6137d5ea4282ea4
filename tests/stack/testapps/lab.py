"""A vassal for fault tests only, installed at runtime by the tests: its code sits on the writable
vassal volume so a test can change it and reload it. Never shipped in the image."""

import json
import os
import time
from urllib.parse import parse_qs

VERSION = 1
MIB = 2**20
# What /alloc?mb=N leaked on purpose (the limits tests): kept until the worker exits.
LEAKED = []


def _rss_mib():
    """This worker's resident memory, as uWSGI's reload-on-rss reads it (/proc/self/statm)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MIB


def app(environ, start_response):
    query = parse_qs(environ.get("QUERY_STRING", ""))
    answer = {"version": VERSION, "pid": os.getpid()}
    if environ.get("PATH_INFO") == "/sleep":
        seconds = float(query.get("s", ["1"])[0])
        time.sleep(min(seconds, 60))
    elif environ.get("PATH_INFO") == "/alloc":
        # A leak: N MiB more, every byte written (so resident, unlike calloc'd zero pages), kept.
        LEAKED.append(b"\x01" * (min(int(query.get("mb", ["1"])[0]), 1024) * MIB))
        answer.update(leaked_mib=sum(map(len, LEAKED)) // MIB, rss_mib=round(_rss_mib(), 1))
    body = json.dumps(answer).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]

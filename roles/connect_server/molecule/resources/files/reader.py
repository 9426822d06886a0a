"""Poll a URL every 100 ms until SIGTERM, then print one JSON summary line.

A request fails when it raises: no connection, a timeout or an HTTP error status.
"""
import json
import signal
import sys
import time
import urllib.request

url = sys.argv[1]
counts = {"ok": 0, "failed": 0}
errors = {}
stopping = []
signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
print("reader: polling", url, flush=True)
while not stopping:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            answer.read()
        counts["ok"] += 1
    except Exception as exc:  # every kind of failure counts
        counts["failed"] += 1
        reason = "%s: %s" % (type(exc).__name__, str(exc)[:80])
        errors[reason] = errors.get(reason, 0) + 1
        print("reader: failed at", time.strftime("%H:%M:%S"), reason, flush=True)
    time.sleep(max(0.0, 0.1 - (time.monotonic() - started)))
print("reader-summary " + json.dumps(dict(counts, errors=errors)), flush=True)

"""connect-dev benchmark: GET-item throughput and latency with concurrent
clients, and the server's resident memory holding 10,000 items.

Usage: python devserver/bench/bench.py [--items 10000] [--clients 8] [--seconds 10]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from connect_dev import credentials, items, tokens  # noqa: E402
from connect_dev.store import Store  # noqa: E402


def rss_kib(pid: int, key: str = "VmRSS") -> int:
    with open("/proc/%d/status" % pid, encoding="ascii") as handle:
        for line in handle:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def make_items(vault_id: str, count: int) -> list:
    out = []
    for n in range(count):
        body = {
            "title": "item-%05d" % n, "category": "LOGIN", "tags": ["bench", "group-%d" % (n % 10)],
            "urls": [{"href": "https://host-%d.example.com" % n, "primary": True}],
            "fields": [
                {"purpose": "USERNAME", "value": "user-%d" % n},
                {"purpose": "PASSWORD", "value": "password-%d-%s" % (n, "x" * 16)},
                {"label": "notes", "purpose": "NOTES", "value": "note for item %d" % n},
            ],
        }
        out.append(items.normalize_item(body, vault_id, editor="bench"))
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="connect-dev-bench-")
    data = os.path.join(tmp, "data")
    try:
        os.makedirs(data)
        credentials.write_new(os.path.join(data, credentials.CREDENTIALS_NAME))
        creds = credentials.locate(data)
        store = Store(data)
        vault = store.create_vault("Bench")["id"]
        started = time.perf_counter()
        batch = make_items(vault, args.items)
        store.insert_items(batch)
        seed_seconds = time.perf_counter() - started
        ids = [i["id"] for i in batch]
        store.close()
        del batch
        token = tokens.issue(creds, {vault: "r"})
        db_size = os.path.getsize(os.path.join(data, "1password.sqlite"))

        port_file = os.path.join(tmp, "port")
        env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE), OP_LOG_LEVEL="error")
        proc = subprocess.Popen([sys.executable, "-m", "connect_dev.cli", "serve", "--data", data, "--port", "0",
                                 "--port-file", port_file], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.time() + 20
            while not os.path.exists(port_file):
                if proc.poll() is not None or time.time() > deadline:
                    raise SystemExit("server did not start: %s" % proc.stderr.read().decode())
                time.sleep(0.05)
            port = int(open(port_file).read())
            headers = {"Authorization": "Bearer " + token}

            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", "/heartbeat")
            conn.getresponse().read()
            rss_idle = rss_kib(proc.pid)
            t0 = time.perf_counter()
            conn.request("GET", "/v1/vaults/%s/items" % vault, headers=headers)
            resp = conn.getresponse()
            listed = len(json.loads(resp.read()))
            list_seconds = time.perf_counter() - t0
            assert listed == args.items, listed
            rss_after_list = rss_kib(proc.pid)
            conn.close()

            latencies = [[] for dummy in range(args.clients)]
            errors = [0] * args.clients
            stop_at = time.perf_counter() + args.seconds

            def client(n: int) -> None:
                rng = random.Random(n)
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                local = latencies[n]
                while time.perf_counter() < stop_at:
                    path = "/v1/vaults/%s/items/%s" % (vault, rng.choice(ids))
                    s = time.perf_counter()
                    c.request("GET", path, headers=headers)
                    r = c.getresponse()
                    r.read()
                    local.append(time.perf_counter() - s)
                    if r.status != 200:
                        errors[n] += 1
                c.close()

            threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - t0
            rss_after_gets = rss_kib(proc.pid)
            peak = rss_kib(proc.pid, "VmHWM")
        finally:
            proc.terminate()
            proc.wait(10)

        all_lat = sorted(x for lst in latencies for x in lst)
        total = len(all_lat)
        p50 = all_lat[int(0.50 * (total - 1))] * 1000
        p99 = all_lat[int(0.99 * (total - 1))] * 1000
        rows = [
            ("items stored", "%d" % args.items),
            ("seed time (one transaction)", "%.2f s" % seed_seconds),
            ("database size", "%.1f MiB" % (db_size / 1048576)),
            ("concurrent clients (keep-alive)", "%d" % args.clients),
            ("GET item requests", "%d in %.1f s" % (total, elapsed)),
            ("GET item throughput", "%.0f req/s" % (total / elapsed)),
            ("GET item latency p50", "%.2f ms" % p50),
            ("GET item latency p99", "%.2f ms" % p99),
            ("GET item latency mean", "%.2f ms" % (statistics.fmean(all_lat) * 1000)),
            ("non-200 answers", "%d" % sum(errors)),
            ("list 10k summaries (one GET)", "%.0f ms" % (list_seconds * 1000)),
            ("server RSS idle, %d items" % args.items, "%.1f MiB" % (rss_idle / 1024)),
            ("server RSS after listing", "%.1f MiB" % (rss_after_list / 1024)),
            ("server RSS after GET run", "%.1f MiB" % (rss_after_gets / 1024)),
            ("server RSS peak (VmHWM)", "%.1f MiB" % (peak / 1024)),
        ]
        width = max(len(r[0]) for r in rows)
        load = open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "?"
        print("connect-dev benchmark (%d CPU, Python %s, load average %s at the end)" % (
            os.cpu_count() or 0, sys.version.split()[0], load))
        print("-" * (width + 20))
        for name, value in rows:
            print("%-*s  %s" % (width, name, value))
        print("-" * (width + 20))
        return 1 if sum(errors) else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""Concurrent writers: no lost update, never a 500."""

from __future__ import annotations

import threading

import requests


def test_concurrent_patch_writers_lose_nothing(server):
    vault = server.vault_id("Empty")
    token = server.token(Empty="rw")
    headers = {"Authorization": "Bearer " + token}
    base = server.url + "/v1/vaults/%s/items" % vault
    item = requests.post(base, json={"title": "counter", "category": "LOGIN", "tags": []}, headers=headers, timeout=30).json()
    path = "%s/%s" % (base, item["id"])
    writers, per_writer = 8, 12
    statuses = []
    lock = threading.Lock()

    def writer(n):
        session = requests.Session()
        for i in range(per_writer):
            # each writer appends its own tag and its own field: a lost update would drop one
            ops = [{"op": "add", "path": "/tags/-", "value": "w%d-%d" % (n, i)},
                   {"op": "add", "path": "/fields", "value": {"label": "w%d-%d" % (n, i), "value": "x"}}]
            r = session.patch(path, json=ops, headers=headers, timeout=60)
            with lock:
                statuses.append(r.status_code)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    readers_stop = threading.Event()

    def reader():
        session = requests.Session()
        while not readers_stop.is_set():
            r = session.get(path, headers=headers, timeout=60)
            with lock:
                statuses.append(r.status_code)

    reader_threads = [threading.Thread(target=reader) for dummy in range(2)]
    for t in threads + reader_threads:
        t.start()
    for t in threads:
        t.join()
    readers_stop.set()
    for t in reader_threads:
        t.join()

    assert set(statuses) == {200}, sorted(set(statuses))
    final = requests.get(path, headers=headers, timeout=30).json()
    expected = {"w%d-%d" % (n, i) for n in range(writers) for i in range(per_writer)}
    assert set(final["tags"]) == expected
    assert {f["label"] for f in final["fields"]} == expected
    assert final["version"] == 1 + writers * per_writer


def test_concurrent_creates_and_deletes(server):
    vault = server.vault_id("Empty")
    headers = {"Authorization": "Bearer " + server.token(Empty="rw")}
    base = server.url + "/v1/vaults/%s/items" % vault
    before = len(server.store.list_items(vault))
    statuses = []
    lock = threading.Lock()

    def worker(n):
        session = requests.Session()
        for i in range(10):
            r = session.post(base, json={"title": "c%d-%d" % (n, i), "category": "PASSWORD"}, headers=headers, timeout=60)
            d = session.delete("%s/%s" % (base, r.json()["id"]), headers=headers, timeout=60) if i % 2 else None
            with lock:
                statuses.append(r.status_code)
                if d is not None:
                    statuses.append(d.status_code)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(statuses) <= {200, 204} and len(statuses) == 6 * 15
    assert len(server.store.list_items(vault)) == before + 30
    vault_doc = requests.get(server.url + "/v1/vaults/" + vault, headers=headers, timeout=30).json()
    assert vault_doc["items"] == before + 30

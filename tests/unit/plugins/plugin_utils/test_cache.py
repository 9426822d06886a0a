# -*- coding: utf-8 -*-
# Copyright (c) secretops.onepassword contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the run-wide cache: the store, the broker process and its client."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import threading
import time

import pytest

from ansible_collections.secretops.onepassword.plugins.doc_fragments.lookup import ModuleDocFragment as LookupDocFragment
from ansible_collections.secretops.onepassword.plugins.plugin_utils import _cache as cache

NS = cache.namespace("http://127.0.0.1:8080", "token-one")


class Clock(object):
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def key(*parts):
    return (NS,) + parts


# -- namespace ------------------------------------------------------------------

def test_namespace_hashes_host_and_token_without_revealing_them():
    assert cache.namespace("http://h", "tok") == cache.namespace("http://h/", "tok")
    assert cache.namespace("http://h", "tok") != cache.namespace("http://h", "tok2")
    assert cache.namespace("http://h", "tok") != cache.namespace("http://g", "tok")
    assert "tok" not in cache.namespace("http://h", "tok")
    assert len(NS) == 64


# -- store -------------------------------------------------------------------------

def test_store_ttl_expires_entries():
    clock = Clock()
    store = cache.Store(clock=clock)
    store.put(key("item", "v", "i"), {"a": 1}, ttl=10)
    assert store.get(key("item", "v", "i")) == {"a": 1}
    clock.now += 9.9
    assert store.get(key("item", "v", "i")) == {"a": 1}
    clock.now += 0.2
    assert store.get(key("item", "v", "i")) is None
    assert len(store) == 0


def test_store_is_bounded():
    store = cache.Store(max_entries=3)
    for n in range(5):
        store.put(key("item", "v", str(n)), n, ttl=100)
    assert len(store) == 3
    assert store.get(key("item", "v", "4")) == 4 and store.get(key("item", "v", "0")) is None


def test_lease_single_flight_waiters_get_the_holders_value():
    store = cache.Store()
    k = key("item", "v", "i")
    state, value, gen = store.lease(k)
    assert state == "fetch"
    results = []

    def waiter():
        results.append(store.lease(k, wait=5))

    threads = [threading.Thread(target=waiter) for dummy in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    assert results == []  # all waiting for the holder
    store.put(k, "fetched-once", ttl=60, generation=gen)
    for thread in threads:
        thread.join(5)
    assert [r[:2] for r in results] == [("hit", "fetched-once")] * 4


def test_released_lease_passes_to_one_waiter():
    store = cache.Store()
    k = key("item", "v", "i")
    store.lease(k, owner="a")
    results = []
    thread = threading.Thread(target=lambda: results.append(store.lease(k, wait=5, owner="b")))
    thread.start()
    time.sleep(0.1)
    store.release(k, owner="not-the-holder")
    time.sleep(0.1)
    assert results == []
    store.release(k, owner="a")
    thread.join(5)
    assert results[0][0] == "fetch"


def test_waiter_takes_over_after_its_wait():
    store = cache.Store()
    k = key("item", "v", "i")
    store.lease(k)
    started = time.monotonic()
    assert store.lease(k, wait=0.2)[0] == "fetch"
    assert time.monotonic() - started >= 0.19


def test_invalidate_item_drops_item_files_and_title_lookups_of_its_vault():
    store = cache.Store()
    entries = {
        key("vault", "Prod"): {"id": "v1"},
        key("itemref", "v1", "db"): "i1",
        key("itemref", "v1", "web"): "i2",
        key("itemref", "v2", "db"): "i9",
        key("item", "v1", "i1"): {"id": "i1"},
        key("item", "v1", "i2"): {"id": "i2"},
        key("file", "v1", "i1", "f1"): "QUJD",
        ("other-ns", "item", "v1", "i1"): {"id": "i1"},
    }
    for k, v in entries.items():
        store.put(k, v, ttl=60)
    assert store.invalidate_item("v1", "i1") == 5
    assert store.get(key("item", "v1", "i1")) is None
    assert store.get(("other-ns", "item", "v1", "i1")) is None
    assert store.get(key("file", "v1", "i1", "f1")) is None
    assert store.get(key("itemref", "v1", "web")) is None
    assert store.get(key("item", "v1", "i2")) == {"id": "i2"}
    assert store.get(key("itemref", "v2", "db")) == "i9"
    assert store.get(key("vault", "Prod")) == {"id": "v1"}


def test_invalidate_item_without_id_drops_every_item_of_the_vault():
    store = cache.Store()
    for k in (key("itemref", "v1", "db"), key("item", "v1", "i1"), key("item", "v1", "i2"),
              key("file", "v1", "i1", "f1"), key("item", "v2", "i1"), key("vault", "Prod")):
        store.put(k, "x", ttl=60)
    assert store.invalidate_item("v1", None) == 4
    assert store.get(key("item", "v2", "i1")) == "x" and store.get(key("vault", "Prod")) == "x"


def test_put_after_invalidation_of_a_lease_is_dropped():
    store = cache.Store()
    k = key("item", "v1", "i1")
    state, dummy, gen = store.lease(k)
    store.invalidate_item("v1", "i1")  # a write happened while the value was being fetched
    assert store.put(k, "stale", ttl=60, generation=gen) is False
    assert store.get(k) is None
    state, dummy, gen = store.lease(k)
    assert store.put(k, "fresh", ttl=60, generation=gen) is True


def test_invalidate_all():
    store = cache.Store()
    store.put(key("item", "v", "i"), 1, ttl=60)
    store.put(key("vault", "x"), 2, ttl=60)
    assert store.invalidate_all() == 2 and len(store) == 0


# -- broker process -----------------------------------------------------------------

@pytest.fixture
def run_dir(tmp_path):
    # Short path: Unix socket paths are limited to ~100 bytes.
    import tempfile
    directory = tempfile.mkdtemp(prefix="opc")
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def owner():
    """A process standing in for ansible-playbook: the broker lives as long as it does."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield proc
    proc.kill()
    proc.wait()


def start_cache(run_dir, owner_pid, ttl=60):
    address, lockfile, directory = cache.broker_address(run_dir)
    cache._private_dir(directory)
    return cache.RunCache(address, spawn_args=[address, owner_pid, 600, lockfile], ttl=ttl)


def wait_for(predicate, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_broker_serves_many_clients_and_exits_with_its_owner(run_dir, owner):
    first = start_cache(run_dir, owner.pid)
    hit, dummy, gen = first.lease(key("item", "v", "i"))
    assert hit is False
    first.put(key("item", "v", "i"), {"secret": "s"}, gen)
    pid = first.ping()["pid"]

    second = start_cache(run_dir, owner.pid)  # another process of the run: same broker
    assert second.ping()["pid"] == pid
    hit, value, dummy = second.lease(key("item", "v", "i"))
    assert hit and value == {"secret": "s"}

    address = cache.broker_address(run_dir)[0]
    mode = os.stat(address).st_mode
    assert stat.S_ISSOCK(mode) and mode & 0o077 == 0
    assert os.stat(os.path.dirname(address)).st_mode & 0o077 == 0
    first.close()
    second.close()

    owner.kill()
    owner.wait()
    assert wait_for(lambda: not os.path.exists(address)), "broker did not exit with its owner"
    assert wait_for(lambda: not _alive(pid))


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie still answers kill(0)
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().split()[2] != "Z"
    except OSError:
        return False


def test_broker_exits_when_run_directory_is_removed(run_dir, owner):
    client = start_cache(run_dir, owner.pid)
    pid = client.ping()["pid"]
    client.close()
    shutil.rmtree(os.path.join(run_dir, "sop-cache"))
    assert wait_for(lambda: not _alive(pid))


def test_concurrent_first_use_starts_one_broker(run_dir, owner):
    pids = []
    caches = [start_cache(run_dir, owner.pid) for dummy in range(4)]
    threads = [threading.Thread(target=lambda c=c: pids.append(c.ping()["pid"])) for c in caches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert len(pids) == 4 and len(set(pids)) == 1
    caches[0].stop()


def test_single_flight_across_processes(run_dir, owner):
    holder = start_cache(run_dir, owner.pid)
    hit, dummy, gen = holder.lease(key("item", "v", "slow"))
    assert not hit
    script = (
        "import sys; sys.path[:0] = %r\n"
        "from ansible_collections.secretops.onepassword.plugins.plugin_utils import _cache as c\n"
        "rc = c.RunCache(%r)\n"
        "hit, value, gen = rc.lease(%r)\n"
        "print(hit, value)\n"
    ) % (sys.path, cache.broker_address(run_dir)[0], key("item", "v", "slow"))
    waiter = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)
    assert waiter.poll() is None  # waiting for the holder
    holder.put(key("item", "v", "slow"), "value-1", gen)
    out, dummy = waiter.communicate(timeout=20)
    assert out.strip() == "True value-1"
    holder.stop()


def test_dead_holder_releases_its_lease(run_dir, owner):
    holder = start_cache(run_dir, owner.pid)
    assert not holder.lease(key("item", "v", "x"))[0]
    holder.close()  # the process went away without answering
    other = start_cache(run_dir, owner.pid)
    started = time.monotonic()
    assert not other.lease(key("item", "v", "x"))[0]
    assert time.monotonic() - started < 5
    other.stop()


def test_unreachable_broker_degrades_to_no_cache(tmp_path):
    client = cache.RunCache(str(tmp_path / "nothing"), spawn_args=None)
    assert client.lease(key("item", "v", "i")) == (False, None, None)
    client.put(key("item", "v", "i"), 1)
    assert client.broken


def test_invalidate_functions_reach_the_broker(run_dir, owner, monkeypatch):
    client = start_cache(run_dir, owner.pid)
    for k in (key("item", "v1", "i1"), key("item", "v1", "i2")):
        dummy, dummy, gen = client.lease(k)
        client.put(k, "x", gen)
    monkeypatch.setattr(cache, "_run_identity", lambda: (run_dir, owner.pid))
    assert cache.invalidate_item("v1", "i1") == 1
    assert client.lease(key("item", "v1", "i2"))[:2] == (True, "x")
    assert cache.invalidate_all() == 1
    client.stop()


def test_invalidate_without_broker_is_a_no_op(monkeypatch, tmp_path):
    monkeypatch.setattr(cache, "_run_identity", lambda: (str(tmp_path), os.getpid()))
    assert cache.invalidate_item("v1", "i1") == 0
    assert cache.invalidate_all() == 0
    assert not os.path.exists(os.path.join(str(tmp_path), "sop-cache", "sock"))
    monkeypatch.setattr(cache, "_run_identity", lambda: (None, None))
    assert cache.invalidate_item("v1", "i1") == 0


def test_long_run_directory_uses_an_abstract_socket():
    address, lockfile, directory = cache.broker_address("/" + "x" * 120)
    if sys.platform.startswith("linux"):
        assert address.startswith("\0") and directory is None
    else:
        assert address is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="abstract sockets are Linux only")
def test_broker_starts_on_an_abstract_socket_for_a_long_run_directory(owner):
    run_dir = "/" + "long-run-directory-" * 8 + str(os.getpid())
    address, lockfile, directory = cache.broker_address(run_dir)
    assert address.startswith("\0") and directory is None
    first = cache.RunCache(address, spawn_args=[address, owner.pid, 600, lockfile])
    second = cache.RunCache(address, spawn_args=[address, owner.pid, 600, lockfile])
    try:
        hit, dummy, gen = first.lease(key("item", "v", "i"))
        assert hit is False and not first.broken
        first.put(key("item", "v", "i"), {"secret": "s"}, gen)
        assert second.lease(key("item", "v", "i"))[:2] == (True, {"secret": "s"})
        pid = second.ping()["pid"]
    finally:
        first.close()
        second.close()
    owner.kill()
    owner.wait()
    assert wait_for(lambda: not _alive(pid)), "broker did not exit with its owner"


def test_abstract_address_survives_the_command_line():
    for address in ("\0secretops-op-cache-0123abcd", "/tmp/run/sop-cache/sock"):
        word = cache.encode_address(address)
        assert "\0" not in word and cache.decode_address(word) == address


def test_private_dir_refuses_a_shared_directory(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(OSError, match="not private"):
        cache._private_dir(str(shared))


def test_broker_that_cannot_listen_disables_the_cache_at_once(tmp_path, owner):
    address = str(tmp_path / "missing-dir" / "sock")  # bind() fails: no such directory
    client = cache.RunCache(address, spawn_args=[address, owner.pid, 600, ""])
    started = time.monotonic()
    assert client.lease(key("item", "v", "i")) == (False, None, None)
    assert client.broken
    assert time.monotonic() - started < 2.5  # no connection retries (3 s) after the broker said it failed


def test_invalidation_without_broker_does_not_wait(tmp_path):
    client = cache.RunCache("\0secretops-op-cache-test-nobody-%d" % os.getpid(), spawn_args=None)
    started = time.monotonic()
    assert client.invalidate_item("v", "i") == 0
    assert time.monotonic() - started < 0.5


# -- one process, many lookup calls: kept connection and memo ------------------------

class CountingBroker(cache.Broker):
    """A broker served by a thread of the test, counting connections and operations."""

    def __init__(self, address):
        super(CountingBroker, self).__init__(cache._bind(address))
        self.ops = []
        self.connections = 0

    def _handle(self, conn):
        self.connections += 1
        return super(CountingBroker, self)._handle(conn)

    def dispatch(self, request, owner=None, leased=None):
        self.ops.append(request.get("op"))
        return super(CountingBroker, self).dispatch(request, owner=owner, leased=leased)


@pytest.fixture
def counting_broker(run_dir):
    address = os.path.join(run_dir, "sock")
    broker = CountingBroker(address)
    thread = threading.Thread(target=broker.serve, kwargs={"poll": 0.05})
    thread.daemon = True
    thread.start()
    yield address, broker
    broker.stopping.set()
    thread.join(5)


def lookup_call(address, keys, ttl=60):
    """What one lookup call does with the cache: lease each key, put a value on a miss, close."""
    run = cache.RunCache(address, ttl=ttl)
    values = []
    for k in keys:
        hit, value, gen = run.lease(k)
        if not hit:
            value = {"fetched": k[-1], "at": time.monotonic()}
            run.put(k, value, gen)
        values.append(value)
    run.close()
    return values


def test_later_calls_of_a_process_ask_the_broker_once(counting_broker):
    address, broker = counting_broker
    keys = [key("vault", "prod"), key("itemref", "v", "db"), key("item", "v", "i")]
    first = lookup_call(address, keys)
    assert broker.ops == ["lease", "put"] * 3
    del broker.ops[:]
    for dummy in range(5):
        assert lookup_call(address, keys) == first
    # One lease per call (it brings the broker's generation), over one kept connection.
    assert broker.ops == ["lease"] * 5
    assert broker.connections == 1


def test_an_invalidation_by_another_process_is_seen_by_the_next_call(counting_broker):
    address, broker = counting_broker
    keys = [key("vault", "prod"), key("item", "v", "i")]
    first = lookup_call(address, keys)
    assert lookup_call(address, keys) == first
    broker.store.invalidate_item("v", "i")  # as a write in another process of the run does
    again = lookup_call(address, keys)
    assert again[0] == first[0] and again[1] != first[1]
    assert lookup_call(address, keys) == again


def test_the_memo_keeps_no_entry_longer_than_the_broker(counting_broker):
    address, broker = counting_broker
    keys = [key("vault", "prod"), key("item", "v", "short")]
    run = cache.RunCache(address, ttl=60)
    run.lease(keys[0])
    run.put(keys[0], "vault", 0)
    run.close()
    short = cache.RunCache(address, ttl=0.5)
    dummy, dummy, gen = short.lease(keys[1])
    short.put(keys[1], "item", gen)
    short.close()
    time.sleep(0.6)
    run = cache.RunCache(address, ttl=60)
    assert run.lease(keys[0])[:2] == (True, "vault")
    assert run.lease(keys[1])[0] is False  # expired here as in the broker
    run.release(keys[1])
    run.close()


def test_a_memo_value_cannot_be_altered_by_its_caller(counting_broker):
    address, broker = counting_broker
    keys = [key("vault", "prod"), key("item", "v", "i")]
    lookup_call(address, keys)
    lookup_call(address, keys)[1]["fetched"] = "changed"
    assert lookup_call(address, keys)[1]["fetched"] == "i"


def test_a_forked_child_does_not_use_its_parents_connection(counting_broker):
    address, broker = counting_broker
    keys = [key("vault", "prod")]
    lookup_call(address, keys)
    assert broker.connections == 1
    pid = os.fork()
    if pid == 0:
        try:
            ok = lookup_call(address, keys)[0]["fetched"] == "prod"
        except BaseException:
            ok = False
        os._exit(0 if ok else 1)
    assert os.waitpid(pid, 0)[1] == 0
    assert broker.connections == 2
    lookup_call(address, keys)  # the parent's kept connection still works
    assert broker.connections == 2


def test_the_documented_cache_ttl_is_the_brokers_default():
    """The lookups' cache_ttl default (their configuration) and the broker's agree."""
    import yaml

    options = yaml.safe_load(LookupDocFragment.DOCUMENTATION)["options"]
    assert options["cache_ttl"]["default"] == cache.DEFAULT_TTL

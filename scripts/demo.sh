#!/usr/bin/env bash
# make demo: build and install the collection, start a seeded connect-dev,
# issue a token, run examples/demo.yml, stop the server. Says what it does.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$root/.venv/bin:$PATH"
demo="$root/.demo"
step=0
bold="" plain=""
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; fi
say() { step=$((step + 1)); printf '\n%s[%d] %s%s\n' "$bold" "$step" "$*" "$plain"; }
server_pid=""
stop_server() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
}
trap stop_server EXIT

say "Building the collection tarball from the tracked files (ansible-galaxy collection build)"
tarball=$(scripts/build-collection.sh build/dist)
echo "    built $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"

say "Installing it into ./collections, offline (its community.docker dependency comes from the installed ansible package)"
rm -rf collections/ansible_collections/secretops/onepassword
ANSIBLE_COLLECTIONS_PATH="$root/collections" ansible-galaxy collection install --offline --no-deps --force -p collections "$tarball" >/dev/null
echo "    installed: $(ANSIBLE_COLLECTIONS_PATH="$root/collections" ansible-galaxy collection list -p collections secretops.onepassword 2>/dev/null | awk '/^secretops.onepassword/ {print $1" "$2}')"

say "Starting the Connect dev server (connect-dev) on 127.0.0.1 with a fresh data dir, seeded with the Demo vault"
rm -rf "$demo"
mkdir -p "$demo"
connect-dev init --data "$demo/data" >/dev/null 2>&1
connect-dev seed --data "$demo/data" examples/demo-seed.yml >/dev/null
connect-dev serve --data "$demo/data" --host 127.0.0.1 --port 0 --port-file "$demo/port" \
    --log-file "$demo/server.log" >"$demo/server.out" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    [ -s "$demo/port" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$demo/server.out"; echo "connect-dev did not start" >&2; exit 1; }
    sleep 0.1
done
[ -s "$demo/port" ] || { echo "connect-dev did not announce its port" >&2; exit 1; }
url="http://127.0.0.1:$(cat "$demo/port")"
python - "$url" <<'PY'
import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(sys.argv[1] + "/heartbeat", timeout=2).read()
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("connect-dev does not answer on " + sys.argv[1])
PY
echo "    listening on $url (access log: .demo/server.log)"

say "Issuing an access token for the Demo vault (read and write, valid for 1 hour; kept out of the output)"
token=$(connect-dev token --data "$demo/data" --vault Demo:rw --expires 1h | tail -n 1)
echo "    token issued (${#token} characters)"

say "Running examples/demo.yml with ansible-playbook against the installed collection"
printf 'localhost ansible_connection=local ansible_python_interpreter=%s\n' "$root/.venv/bin/python" >"$demo/inventory.ini"
ANSIBLE_COLLECTIONS_PATH="$root/collections" \
ANSIBLE_RETRY_FILES_ENABLED=0 \
OP_CONNECT_HOST="$url" \
OP_CONNECT_TOKEN="$token" \
    ansible-playbook -i "$demo/inventory.ini" examples/demo.yml

say "Stopping the dev server"
requests=$(python - "$url" <<'PY'
import sys, urllib.request
text = urllib.request.urlopen(sys.argv[1] + "/metrics", timeout=5).read().decode()
print(int(sum(float(l.rsplit(None, 1)[1]) for l in text.splitlines() if l.startswith("connect_dev_http_requests_total"))))
PY
)
stop_server
server_pid=""
if grep -qF "$token" "$demo/server.log" "$demo/server.out"; then
    echo "the token appears in the server log" >&2
    exit 1
fi
echo "    the server answered $requests HTTP requests; the token appears nowhere in its log"

printf '\nDemo finished: the collection was built, installed offline and used end to end against connect-dev.\n'

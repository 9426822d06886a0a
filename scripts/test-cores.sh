#!/usr/bin/env bash
# The lookup and module integration tests on every supported ansible-core: the
# newest 2.17, 2.18, 2.19, 2.20 and 2.21, one venv each (build/venvs/core-X.Y,
# from requirements/release/core-X.Y.txt). The tests run from .venv; their
# ansible-playbook runs come from the version's venv (SECRETOPS_ANSIBLE_BIN).
#
#   scripts/test-cores.sh [VERSION...]      (default: every one, in order)
#
# The subset covers every plugin and option family: every kind of secret
# reference and its errors, the item lookup, the run-wide cache, each module
# (create/update/delete in check and diff mode, generation, bad input), the info
# modules and generic_item.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# ansible-core 2.20 and later need Python 3.12 or later on the controller.
declare -A python=(
    [2.17]=python3.11 [2.18]=python3.11 [2.19]=python3.11
    [2.20]=${PYTHON312:-/root/.pyenv/versions/3.12.1/bin/python}
    [2.21]=${PYTHON313:-/root/.pyenv/versions/3.13.0/bin/python}
)
versions=("$@")
# 2.19 is the development venv's ansible-core (requirements/base.txt pins the
# newest 2.19), on which test-integration already runs these tests and more.
[ ${#versions[@]} -gt 0 ] || versions=(2.17 2.18 2.20 2.21)
tests=(
    tests/integration/test_lookup_secret.py
    tests/integration/test_modules_item.py
    tests/integration/test_modules_info_output.py
    tests/integration/test_modules_migration.py
)
log_dir="$root/build/cores"
mkdir -p "$log_dir"
failed=()
for v in "${versions[@]}"; do
    [ -n "${python[$v]:-}" ] || { echo "test-cores: unknown version $v" >&2; exit 2; }
    venv=$(scripts/release-venv.sh "core-$v" "${python[$v]}" "requirements/release/core-$v.txt")
    core="ansible-core $("$venv/bin/python" -c "import ansible.release as r; print(r.__version__)")"
    start=$(date +%s)
    if SECRETOPS_ANSIBLE_BIN="$venv/bin" .venv/bin/python -m pytest -q -p no:cacheprovider --durations=5 \
            "${tests[@]}" >"$log_dir/$v.log" 2>&1; then
        echo "test-cores: $core passed in $(( $(date +%s) - start ))s ($(tail -n 1 "$log_dir/$v.log" | tr -d '='))"
    else
        tail -n 40 "$log_dir/$v.log"
        echo "test-cores: $core FAILED (log: build/cores/$v.log)"
        failed+=("$v")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "test-cores: failed on ansible-core ${failed[*]}"
    exit 1
fi
echo "test-cores: every version passed (${versions[*]})"

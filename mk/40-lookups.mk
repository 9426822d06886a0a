# Lookups (secretops.onepassword.secret and .item): their own tests and benchmark.
#
#   make test-lookups    unit and integration tests of the lookups only (make test
#                        already runs them through test-unit and test-integration)
#   make bench-lookups   the lookup benchmark against connect-dev (prints a table)
#   make bench-hotpath   one lookup call against Ansible's own cost: a 200-iteration
#                        set_fact loop (floor, env, cached, uncached, one query)

LOOKUPS_PYTEST ?= -q
LOOKUPS_UNIT_TESTS := tests/unit/plugins/lookup tests/unit/plugins/plugin_utils \
	tests/unit/plugins/module_utils/test_references.py \
	tests/unit/plugins/module_utils/test_resolve.py \
	tests/unit/plugins/module_utils/test_totp.py \
	tests/unit/plugins/module_utils/test_openssh.py
LOOKUPS_INTEGRATION_TESTS := tests/integration/test_lookup_data.py tests/integration/test_lookup_secret.py \
	tests/integration/test_lookup_connection.py

.PHONY: test-lookups bench-lookups bench-hotpath

test-lookups: setup collection-link
	$(PYTHON) -m pytest $(LOOKUPS_PYTEST) -p no:cacheprovider $(LOOKUPS_UNIT_TESTS) $(LOOKUPS_INTEGRATION_TESTS)

# LOOKUP_BENCH_HOSTS=N changes the size of the fleet of scenario (b) (default 100).
bench-lookups: setup collection-link
	LOOKUP_BENCH=1 $(PYTHON) -m pytest -q -s -p no:cacheprovider tests/integration/test_lookup_bench.py

# HOTPATH_BENCH_ROUNDS=N runs each variant N times and keeps the fastest (default 3).
bench-hotpath: setup collection-link
	LOOKUP_BENCH=1 $(PYTHON) -m pytest -q -s -p no:cacheprovider tests/integration/test_lookup_hotpath_bench.py

BENCH_TARGETS += bench-lookups bench-hotpath

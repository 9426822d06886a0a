# Modules (item, item_info, field_info, vault_info, generic_item): unit tests
# of the item diff/merge, integration tests against the dev server, and the
# re-run benchmark.

MODULES_PYTEST ?= -q
MODULES_BENCH_ITEMS ?= 50

.PHONY: test-modules-unit test-modules bench-modules

test-modules-unit: setup collection-link
	$(PYTHON) -m pytest $(MODULES_PYTEST) -p no:cacheprovider tests/unit/plugins/module_utils/test_item_*.py \
		tests/unit/plugins/module_utils/test_masking.py tests/unit/plugins/modules

test-modules: setup collection-link test-modules-unit
	$(PYTHON) -m pytest $(MODULES_PYTEST) -p no:cacheprovider tests/integration/test_modules_item.py tests/integration/test_modules_migration.py \
		tests/integration/test_modules_info_output.py

bench-modules: setup collection-link
	MODULES_BENCH=1 MODULES_BENCH_ITEMS=$(MODULES_BENCH_ITEMS) $(PYTHON) -m pytest -q -s -p no:cacheprovider tests/integration/test_modules_bench.py

BENCH_TARGETS += bench-modules

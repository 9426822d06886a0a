# Dev server (connect-dev): its own tests and benchmark.

DEVSERVER_PYTEST ?= -q

.PHONY: test-devserver bench-devserver

test-devserver: setup
	cd devserver && $(PYTHON) -m pytest $(DEVSERVER_PYTEST) -p no:cacheprovider tests

bench-devserver: setup
	$(PYTHON) devserver/bench/bench.py

TEST_TARGETS += test-devserver
BENCH_TARGETS += bench-devserver

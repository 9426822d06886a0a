# Hardening: faults between the collection and Connect (fault-injection proxy),
# TLS, bad input (hypothesis, schemathesis), load, and a scan of every
# artefact for secrets. See docs/hardening.md.
#
#   make test-hardening    every hardening suite (load: 10 s of writers)
#   make bench-hardening   the load cases at full length (30 s), with figures

HARDENING_PYTEST ?= -q
HARDENING_TMP := $(CURDIR)/build/hardening-tmp
HARDENING_LOAD_SECONDS ?= 10
HARDENING_BENCH_SECONDS ?= 30

.PHONY: test-hardening bench-hardening

# --basetemp keeps every file the session leaves in one tree, which the leak
# scan (tests/hardening/test_zz_leak_scan.py, run last) searches.
test-hardening: setup collection-link
	HARDENING_LOAD_SECONDS=$(HARDENING_LOAD_SECONDS) $(PYTHON) -m pytest $(HARDENING_PYTEST) -p no:cacheprovider \
	    --basetemp="$(HARDENING_TMP)" --durations=8 tests/hardening

bench-hardening: setup collection-link
	@rm -f "$(HARDENING_TMP)-bench.txt"
	HARDENING_LOAD_SECONDS=$(HARDENING_BENCH_SECONDS) HARDENING_LOAD_REPORT="$(HARDENING_TMP)-bench.txt" \
	    $(PYTHON) -m pytest -q -p no:cacheprovider --basetemp="$(HARDENING_TMP)-bench" tests/hardening/test_load.py
	@echo "bench-hardening (load average: $$(cut -d' ' -f1-3 /proc/loadavg)):"
	@cat "$(HARDENING_TMP)-bench.txt"

TEST_TARGETS += test-hardening
BENCH_TARGETS += bench-hardening

# secretops.onepassword: every entry point a developer or CI needs.
#
#   make demo    set everything up, start the dev server, run examples/demo.yml
#   make test    set everything up and run every test suite
#   make bench   run the benchmarks and print their tables
#
# Each part of the repository adds its own targets in mk/*.mk and appends
# them to TEST_TARGETS / BENCH_TARGETS; the files are read in name order.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV := $(CURDIR)/.venv
PYTHON := $(VENV)/bin/python
export PATH := $(VENV)/bin:$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

TEST_TARGETS :=
BENCH_TARGETS :=
include $(sort $(wildcard mk/*.mk))

.PHONY: help setup test bench

help:
	@echo "make demo   - start the dev server and run the example playbook"
	@echo "make test   - run every test suite"
	@echo "make bench  - run the benchmarks"

# The virtualenv is rebuilt only when a requirements file or the dev server's
# packaging changes, so a second 'make setup' returns at once.
setup: $(VENV)/.installed

$(VENV)/.installed: scripts/setup-venv.sh $(wildcard requirements/*.txt) $(wildcard devserver/pyproject.toml)
	scripts/setup-venv.sh "$(VENV)"
	touch "$@"

test: setup $(TEST_TARGETS)
	@echo "make test: every suite passed ($(TEST_TARGETS))"

bench: setup $(BENCH_TARGETS)

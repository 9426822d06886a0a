# Release: what a user meets. Each tool runs in a venv of its own under
# build/venvs (requirements/release/), never in .venv.
#
#   make test-release   galaxy-importer (Galaxy's upload checks) on the built
#                       tarball, offline; fails on any warning
#   make test-install   the documented install paths in a bare venv (air-gapped
#                       tarballs, requirements.yml, connect-dev from its wheel,
#                       an execution environment's build context)
#   make test-cores     the lookup and module integration tests on ansible-core
#                       2.17, 2.18, 2.20 and 2.21 (one venv each)

.PHONY: test-release

test-release: setup
	scripts/galaxy-import.sh

TEST_TARGETS += test-release

.PHONY: test-install

test-install: setup
	$(PYTHON) -m pytest -q -p no:cacheprovider --durations=6 tests/release

TEST_TARGETS += test-install

# CORES="2.17 2.21" runs a subset; the default is every supported release but
# 2.19, the development venv's, which test-integration covers. 2.20 and 2.21
# need Python 3.12 and 3.13: PYTHON312 / PYTHON313 name them (default: pyenv's).
CORES ?=
.PHONY: test-cores

test-cores: setup collection-link
	scripts/test-cores.sh $(CORES)

TEST_TARGETS += test-cores

# ansible-test sanity of the newest ansible-core (2.21, Python 3.13), no ignores;
# `make sanity` runs the development venv's (2.19).
.PHONY: sanity-newest

sanity-newest: setup
	scripts/sanity-newest.sh

TEST_TARGETS += sanity-newest

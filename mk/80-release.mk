# Release: what a user meets. Each tool runs in a venv of its own under
# build/venvs (requirements/release/), never in .venv.
#
#   make test-release   galaxy-importer (Galaxy's upload checks) on the built
#                       tarball, offline; fails on any warning
#   make test-install   the documented install paths in a bare venv (air-gapped
#                       tarballs, requirements.yml, connect-dev from its wheel,
#                       an execution environment's build context)
#   make test-cores     the integration plays on every supported ansible-core

.PHONY: test-release

test-release: setup
	scripts/galaxy-import.sh

TEST_TARGETS += test-release

.PHONY: test-install

test-install: setup
	$(PYTHON) -m pytest -q -p no:cacheprovider --durations=6 tests/release/test_install.py

TEST_TARGETS += test-install

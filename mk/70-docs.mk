# Docs: every example runs, the changelog, the docs site.
#
#   make test-docs   (part of make test) every EXAMPLES block and every yaml snippet of
#                    README.md and docs/*.md run against connect-dev; CHANGELOG.md is what
#                    the fragments give; the galaxy tarball holds no development files
#   make changelog   write CHANGELOG.md from changelogs/fragments/ (antsibull-changelog)
#   make docs        the docs site in build/docs/html (antsibull-docs + Sphinx, offline)

DOCS_PYTEST ?= -q
# Release date of the version in galaxy.yml, as written in CHANGELOG.md.
CHANGELOG_DATE ?= 2026-11-28
DOCS_BUILD := $(CURDIR)/build/docs

.PHONY: test-docs changelog changelog-check docs

test-docs: setup collection-link changelog-check
	$(PYTHON) -m pytest $(DOCS_PYTEST) -p no:cacheprovider tests/docs

changelog: setup
	scripts/docs-changelog.sh $(CHANGELOG_DATE)

changelog-check: setup
	scripts/docs-changelog.sh $(CHANGELOG_DATE) --check

docs: setup collection-link
	scripts/docs-build.sh "$(DOCS_BUILD)"

TEST_TARGETS += test-docs

# Run the demo and write its output into docs/demo.md.
.PHONY: demo-docs
demo-docs: setup
	scripts/docs-demo.sh

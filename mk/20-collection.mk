# The collection itself: unit tests, ansible-test sanity, integration tests
# against the dev server, ansible-lint, the demo and the client benchmark.

COLLECTION_TREE := $(CURDIR)/build/collections
COLLECTION_LINK := $(COLLECTION_TREE)/ansible_collections/secretops/onepassword
UNIT_PYTEST ?= -q
INTEGRATION_PYTEST ?= -q

.PHONY: collection-link test-unit sanity test-integration lint demo bench-client collection-build

# build/collections/ansible_collections/secretops/onepassword -> this checkout,
# so Python and Ansible import the collection by its full name.
collection-link:
	@mkdir -p "$(dir $(COLLECTION_LINK))"
	@ln -sfn "$(CURDIR)" "$(COLLECTION_LINK)"

test-unit: setup collection-link
	$(PYTHON) -m pytest $(UNIT_PYTEST) -p no:cacheprovider tests/unit

sanity: setup
	scripts/sanity.sh

test-integration: setup collection-link
	$(PYTHON) -m pytest $(INTEGRATION_PYTEST) -p no:cacheprovider tests/integration

lint: setup collection-link
	scripts/lint.sh

collection-build: setup
	scripts/build-collection.sh build/dist

demo: setup
	scripts/demo.sh

bench-client: setup collection-link
	$(PYTHON) scripts/bench-client.py

TEST_TARGETS += test-unit sanity test-integration lint
BENCH_TARGETS += bench-client

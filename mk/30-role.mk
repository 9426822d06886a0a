# Role connect_server: the dev server's image and the role's molecule scenarios
# on the local Docker engine.
#
#   make docker-engine   make sure a Docker engine answers (installs docker.io)
#   make image           build connect-dev:local (base image reused when present)
#   make test-role       both molecule scenarios (default: HTTP, tls: HTTPS)

ROLE_DIR := $(CURDIR)/roles/connect_server
ROLE_SCENARIOS ?= default tls
ROLE_LOG_DIR := $(CURDIR)/build/molecule

.PHONY: docker-engine image test-role

docker-engine:
	scripts/docker-engine.sh

image: setup docker-engine
	PYTHON="$(PYTHON)" devserver/image/build.sh connect-dev:local

# Molecule sees this collection through build/collections and community.docker
# through the virtualenv's site-packages (the ansible package).
test-role: setup docker-engine image collection-link
	@mkdir -p "$(ROLE_LOG_DIR)"
	set -o pipefail; \
	site=$$($(PYTHON) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'); \
	export ANSIBLE_COLLECTIONS_PATH="$(CURDIR)/build/collections:$$site"; \
	cd "$(ROLE_DIR)" && for s in $(ROLE_SCENARIOS); do \
	    echo "test-role: molecule test -s $$s (log: $(ROLE_LOG_DIR)/$$s.log)"; \
	    start=$$(date +%s); \
	    if ! molecule test -s $$s >"$(ROLE_LOG_DIR)/$$s.log" 2>&1; then \
	        tail -n 60 "$(ROLE_LOG_DIR)/$$s.log"; echo "test-role: scenario $$s FAILED"; exit 1; \
	    fi; \
	    sed 's/\x1b\[[0-9;]*m//g' "$(ROLE_LOG_DIR)/$$s.log" | grep -E "^$$s +: actions=" | tail -n 1 || true; \
	    echo "test-role: scenario $$s passed in $$(( $$(date +%s) - start ))s"; \
	done

TEST_TARGETS += test-role

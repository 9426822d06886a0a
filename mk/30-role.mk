# Role connect_server: the dev server's image and the role's molecule scenarios
# on the local Docker engine.
#
#   make docker-engine   make sure a Docker engine answers (installs docker.io)
#   make image           build connect-dev:local (base image reused when present)
#   make test-role       the molecule scenarios (default: HTTP, tls: HTTPS,
#                        swarm: Swarm services on a single-node swarm)
#
# The swarm scenario needs the engine to be a swarm manager: when it is not,
# the target runs 'docker swarm init' before it and 'docker swarm leave --force'
# after it (whatever the outcome); a swarm that already existed is left alone.

ROLE_DIR := $(CURDIR)/roles/connect_server
ROLE_SCENARIOS ?= default tls swarm
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
	    start=$$(date +%s); swarm_init=no; \
	    if [ "$$s" = swarm ] && [ "$$(docker info --format '{{.Swarm.LocalNodeState}}')" != active ]; then \
	        docker swarm init --advertise-addr 127.0.0.1 >/dev/null; swarm_init=yes; \
	        echo "test-role: swarm initialised for scenario swarm"; \
	    fi; \
	    ok=yes; molecule test -s $$s >"$(ROLE_LOG_DIR)/$$s.log" 2>&1 || ok=no; \
	    if [ $$swarm_init = yes ]; then \
	        docker swarm leave --force >/dev/null; echo "test-role: swarm left"; \
	    fi; \
	    if [ $$ok = no ]; then \
	        tail -n 60 "$(ROLE_LOG_DIR)/$$s.log"; echo "test-role: scenario $$s FAILED"; exit 1; \
	    fi; \
	    sed 's/\x1b\[[0-9;]*m//g' "$(ROLE_LOG_DIR)/$$s.log" | grep -E "^$$s +: actions=|swarm step '" | tail -n 6 || true; \
	    echo "test-role: scenario $$s passed in $$(( $$(date +%s) - start ))s"; \
	done

TEST_TARGETS += test-role

# Profilehub: `make run` runs the whole system, `make test` runs every test. Both install what they need.
SHELL := /bin/bash
PY := .venv/bin/python
STAMP := .venv/.installed

.PHONY: run test test-unit test-integration chart bench soak install infra-up infra-down infra-status lint typecheck docs clean

$(STAMP): pyproject.toml
	@command -v python3 >/dev/null || { echo "python3 (3.11+) is needed"; exit 1; }
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

infra-up: $(STAMP)
	deploy/local/stack.sh up

infra-down:
	deploy/local/stack.sh down

infra-status: $(STAMP)
	deploy/local/stack.sh status

# On a bare machine `make run` and `make test` prepare the local infrastructure (PostgreSQL's install when it is
# missing and can be, the Kafka jars, the FerretDB build: `deploy/local/stack.sh fetch`) while pip installs the
# project, unless it is not needed: Kafka and MongoDB given by KAFKA_BOOTSTRAP_SERVERS + MONGO_URL (or, for the tests,
# a Docker engine for testcontainers). For the tests, Helm is built meanwhile too (deploy/local/helm.sh).
PREPARED = fetch=; helm=; \
	if [[ "$(1)" == test ]]; then deploy/local/helm.sh >/dev/null & helm=$$!; fi; \
	if [[ -z "$${KAFKA_BOOTSTRAP_SERVERS:-}" || -z "$${MONGO_URL:-}" ]] && ! { [[ "$(1)" == test ]] && docker info >/dev/null 2>&1; }; then \
	  deploy/local/stack.sh fetch & fetch=$$!; \
	fi; \
	$(MAKE) --no-print-directory install || { [[ -z "$$fetch" ]] || wait $$fetch; exit 1; }; \
	[[ -z "$$fetch" ]] || wait $$fetch || { echo "preparing the local infrastructure failed (see above)"; exit 1; }; \
	[[ -z "$$helm" ]] || wait $$helm || { echo "building Helm failed (see above)"; exit 1; }

run:
	@$(call PREPARED,run); deploy/local/run.sh

test:
	@$(call PREPARED,test); $(PY) -m pytest

test-unit: $(STAMP)
	$(PY) -m pytest -m unit

test-integration: $(STAMP)
	$(PY) -m pytest -m "integration or e2e"

# helm lint --strict and helm template of deploy/helm/profilehub, the manifests checked against the code (also in make
# test). Helm is built once with `go install` into the download cache (deploy/local/helm.sh).
chart: $(STAMP)
	$(PY) -m pytest tests/unit/test_helm_chart.py -q

bench: $(STAMP)
	$(PY) -m pytest tests/bench -p no:randomly -s -m bench -o timeout=7200

# The long fault-injection soak (tests/soak): 100k upserts + 100k interactions while replicas, the broker and the
# database are killed and restarted; prints messages, faults, losses, duplicates and time. The short one is in make test.
soak: $(STAMP)
	$(PY) -m tests.soak

lint: $(STAMP)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy shared services cli

typecheck: lint

docs: $(STAMP)
	$(PY) -m gateway_service.openapi > docs/openapi.json
	for s in schema importer exporter history ml; do \
	  .venv/bin/faststream docs gen $${s}_service.app:create_app --factory -o docs/asyncapi/$$s.json >/dev/null; \
	  $(PY) -c 'import json,sys; p=sys.argv[1]; d=json.load(open(p)); json.dump(d, open(p,"w"), indent=2, sort_keys=True)' \
	    docs/asyncapi/$$s.json; done  # sorted: FastStream lists channels in no fixed order

clean:
	rm -rf .local .pytest_cache .mypy_cache .ruff_cache

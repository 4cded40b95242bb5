# Ekoklean Console. Quick start: `make demo` (run it) and `make test` (test it).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed

.PHONY: demo test lint format install migrate clean bench translations system-packages-demo system-packages-test

# Debian packages: WeasyPrint's libraries (the demo and the tests), Chromium (the browser tests).
DEMO_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
TEST_DEBS := $(DEMO_DEBS) chromium

# Install what is missing when run as root; otherwise stop with the exact command to run.
define need_debs
	@if ! command -v dpkg >/dev/null 2>&1; then echo "not a Debian system: make sure these are installed: $(1)"; exit 0; fi; \
	missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then echo "Missing system packages. Run: sudo apt-get install -y$$missing"; exit 1; fi; \
	echo "installing$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null
endef
SOURCES := console marketplace restrictions insurance vetting disputes reviews policy reports api privacy portal demo templates
CATALOGUE := translations/fr/LC_MESSAGES/messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) $(CATALOGUE).mo

# The French catalogue, compiled (make translations extracts the messages and updates it).
$(CATALOGUE).mo: $(CATALOGUE).po | $(STAMP)
	$(BIN)/pybabel compile --statistics -d translations -l fr

translations: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k N_ --no-location --sort-output \
		-o translations/messages.pot $(SOURCES)
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations -l fr --no-fuzzy-matching --ignore-obsolete --width 110
	$(BIN)/pybabel compile -d translations -l fr

migrate: install
	$(FLASK) db upgrade

system-packages-demo:
	$(call need_debs,$(DEMO_DEBS))

system-packages-test:
	$(call need_debs,$(TEST_DEBS))

demo: system-packages-demo migrate
	$(FLASK) demo seed
	@echo "Demo: MFA_REQUIRED_ROLES is empty here, so every demo account signs in with its password only (the default outside the demo is manager,admin; any account may turn the second factor on from its profile)."
	MFA_REQUIRED_ROLES="$${MFA_REQUIRED_ROLES-}" $(FLASK) demo run

test: system-packages-test install
	$(BIN)/pytest $(PYTEST_ARGS)

# List pages timed on the large data set in PostgreSQL (BENCH_DATABASE_URL; BENCH_RESEED=1 reseeds).
bench: $(STAMP)
	$(BIN)/python bench/bench.py
	$(BIN)/python bench/load.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache

# Ekoklean Console. Quick start: `make demo` (run it) and `make test` (test it).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed

.PHONY: demo test lint format install migrate clean bench translations
SOURCES := console marketplace restrictions insurance vetting disputes reviews reports demo templates
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
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		-o translations/messages.pot $(SOURCES)
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations -l fr --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d translations -l fr

migrate: install
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo seed
	$(FLASK) demo run

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

# List pages timed on the large data set in PostgreSQL (BENCH_DATABASE_URL; BENCH_RESEED=1 reseeds).
bench: $(STAMP)
	$(BIN)/python bench/bench.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache

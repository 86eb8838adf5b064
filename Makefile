# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
# Where `make demo` serves: `make demo PORT=8080`.
HOST ?= 127.0.0.1
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
CATALOGUES := $(wildcard federation/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

.PHONY: demo test lint install translations-update clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

install: $(STAMP) $(COMPILED)

demo: install
	$(BIN)/coopfed demo --host $(HOST) --port $(PORT)

# The suite runs on every core (pytest-xdist); each worker has its own scratch stores.
# Whole files go to one worker, so a module's fixtures are built once.
TEST_WORKERS ?= auto

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

lint: install
	$(BIN)/ruff check .

# After adding or changing a message: extract, merge into the Welsh catalogue, translate.
translations-update: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--project coopfed -o federation/translations/messages.pot .
	$(BIN)/pybabel update -i federation/translations/messages.pot -d federation/translations \
		--no-fuzzy-matching --width 100

clean:
	rm -rf $(VENV) instance .pytest_cache

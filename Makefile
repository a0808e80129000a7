# Two set-up commands (see README): `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed

.PHONY: demo test install serve lint typecheck deploy-check

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

var/secret_key:
	mkdir -p var
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

var/field_keys: $(STAMP)
	mkdir -p var
	$(BIN)/python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())" > $@
	chmod 600 $@

# The demo: SQLite under var/, demo data loaded once, gunicorn + whitenoise on 127.0.0.1:$(PORT).
demo: $(STAMP) var/secret_key var/field_keys
	KAM_SECRET_KEY="$$(cat var/secret_key)" KAM_FIELD_KEYS="$$(cat var/field_keys)" PORT=$(PORT) \
		$(BIN)/kam serve --demo

test: $(STAMP)
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy kam

# CI silences only the calendar-data warning (next year's official schedule may not be published yet;
# production sees it from 1 December and an administrator enters the year).
deploy-check: $(STAMP)
	KAM_SILENCED_CHECKS=kam.calendar.W001 KAM_HTTPS=1 KAM_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		KAM_FIELD_KEYS="$$($(BIN)/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

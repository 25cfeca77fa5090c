# Two commands for a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test setup lint lint-js check-deploy clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: setup
	$(PY) scripts/run.py

test: setup
	$(PY) scripts/test.py $(ARGS)

lint: setup lint-js
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# Every script under static/ parses as the ES module the pages load it as (node --check).
lint-js:
	@status=0; count=0; \
	for file in $$(find static -name '*.js' | sort); do \
	  count=$$((count + 1)); \
	  node --check --input-type=module < "$$file" 2>/tmp/lint-js.$$$$ || { echo "$$file:"; sed -n 's/^\[stdin\]/  line/;1,5p' /tmp/lint-js.$$$$; status=1; }; \
	done; rm -f /tmp/lint-js.$$$$; echo "lint-js: $$count files checked"; exit $$status

check-deploy: setup
	DJANGO_SECRET_KEY=check-only-$$RANDOM-key-that-is-long-enough-to-pass-the-deploy-check-123456 \
	PLAYGROUND_ENV=production DJANGO_ALLOWED_HOSTS=playground.example \
	DATABASE_URL=postgres://playground@db.example:5432/playground \
	$(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) node_modules var test-artifacts

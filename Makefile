# `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.dev

.PHONY: run test lint install messages system-packages browser-packages serve

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

# The test tools on top of the runtime (requirements-test.txt includes requirements.txt).
$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(VENV)/bin/pip install -q -r requirements-test.txt
	touch $@

install: $(VENV)/.installed

# One style (ruff) and the dependency contracts (import-linter), both configured in pyproject.toml.
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

# gettext compiles the translations; the certificate PDF embeds Noto Serif CJK and DejaVu Serif
# (certification/pdf.py). Chromium is for the browser tests; poppler-utils and zbar-tools read
# the PDFs back in tests/certification/test_pdf.py.
system-packages:
	@(command -v msgfmt && test -f /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc && \
	  test -f /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf) >/dev/null || \
	  (apt-get update -qq && apt-get install -y -qq gettext fonts-noto-cjk fonts-dejavu-core >/dev/null)

browser-packages:
	@(test -x /usr/bin/chromium && fc-list | grep -qi "Noto Sans CJK" && command -v pdftotext && command -v zbarimg) >/dev/null || \
	  (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk poppler-utils zbar-tools >/dev/null)

messages: install system-packages
	$(PY) manage.py compilemessages -v0 --ignore=.venv

run: messages
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_curriculum
	$(PY) manage.py setup_demo
	@echo "Ops Academy on http://127.0.0.1:$(PORT)/  (admin: http://127.0.0.1:$(PORT)/admin/)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# The independent Open Badges verifier (tests/interop/verify.mjs): Digital Bazaar's npm packages,
# exactly as package-lock.json pins them; Debian's Node.js and npm when missing.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: messages browser-packages $(VENV)/.installed-test node_modules/.installed
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest -n 2 $(PYTEST_ARGS)

# The load benchmark (bench/run.py, docs/performance.md): SQLite, then PostgreSQL — the one in
# DATABASE_URL, else a local one started on 127.0.0.1 (needs root). Options: BENCH_ARGS=...
.PHONY: bench
bench: messages
	$(PY) bench/run.py --db sqlite $(BENCH_ARGS); sqlite=$$?; \
	case "$$DATABASE_URL" in postgres*) url="$$DATABASE_URL";; *) url="$$(bash .ci/start-postgres)";; esac; \
	$(PY) bench/run.py --db postgres --database-url "$$url" $(BENCH_ARGS); postgres=$$?; \
	test $$sqlite -eq 0 && test $$postgres -eq 0

# Quiz and HR load (bench/quiz.py, bench/hr.py; docs/performance.md "Quiz load", "HR load"):
# SQLite, then PostgreSQL as for `make bench`. Options: BENCH_ARGS=...
.PHONY: bench-quiz bench-hr
bench-quiz bench-hr: bench-%: messages
	$(PY) bench/$*.py --db sqlite $(BENCH_ARGS); sqlite=$$?; \
	case "$$DATABASE_URL" in postgres*) url="$$DATABASE_URL";; *) url="$$(bash .ci/start-postgres)";; esac; \
	$(PY) bench/$*.py --db postgres --database-url "$$url" $(BENCH_ARGS); postgres=$$?; \
	test $$sqlite -eq 0 && test $$postgres -eq 0

# More than one server (bench/cluster.py; docs/deploy.md "Several app servers"): PostgreSQL as
# for `make bench`, Debian's redis-server on 127.0.0.1:6390, two gunicorns (8170, 8171) and two
# db_workers, all started and stopped by the run. Options: BENCH_ARGS=...
.PHONY: bench-cluster
bench-cluster: messages
	@command -v redis-server >/dev/null || (apt-get update -qq && apt-get install -y -qq redis-server >/dev/null)
	case "$$DATABASE_URL" in postgres*) url="$$DATABASE_URL";; *) url="$$(bash .ci/start-postgres)";; esac; \
	$(PY) bench/cluster.py --database-url "$$url" $(BENCH_ARGS)

# How cost grows (bench/scale.py; docs/performance.md "Scale"): 10,000 then 100,000 trainees,
# SQLite, then PostgreSQL as for `make bench` (database oa_scalebench on that server, dropped
# after). Needs ~20 GB free under /tmp and about an hour. Options: BENCH_ARGS=...
.PHONY: bench-scale
bench-scale: messages
	$(PY) bench/scale.py --db sqlite $(BENCH_ARGS); sqlite=$$?; \
	case "$$DATABASE_URL" in postgres*) url="$$DATABASE_URL";; *) url="$$(bash .ci/start-postgres)";; esac; \
	$(PY) bench/scale.py --db postgres --database-url "$$url" $(BENCH_ARGS); postgres=$$?; \
	test $$sqlite -eq 0 && test $$postgres -eq 0

# `make run` and `make test` are all a newcomer needs (README.md).
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8888

.PHONY: run test test-fast test-fuzz migrate superuser bench-realtime bench-previews bench-audio bench-scale bench-render bench-ddp bench-history bench-ledfx-api clean

$(VENV)/installed: requirements.txt requirements-ui.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	$(VENV)/bin/pip install --quiet --no-deps -r requirements-ui.txt
	touch $@

migrate: $(VENV)/installed
	$(PY) manage.py migrate --noinput

run: migrate
	$(PY) manage.py create_demo
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) ledfxsite.asgi:application

test: $(VENV)/installed
	$(VENV)/bin/pytest

# The in-process tests only (no daphne, redis-server or worker processes): seconds.
test-fast: $(VENV)/installed
	$(VENV)/bin/pytest -m "not live"

# The generated-input tests with 10,000 cases each instead of the suite's 2,000 (minutes).
test-fuzz: $(VENV)/installed
	FUZZ_EXAMPLES=10000 $(VENV)/bin/pytest tests/clients/test_fuzz.py

bench-realtime: $(VENV)/installed
	bench/realtime.sh

bench-previews: $(VENV)/installed
	bench/previews.sh

bench-audio: $(VENV)/installed
	bench/audio.sh

bench-scale: $(VENV)/installed
	bench/scale.sh

bench-render: $(VENV)/installed
	bench/render.sh

bench-history: $(VENV)/installed
	bench/history.sh

bench-ledfx-api: $(VENV)/installed
	bench/ledfx_api.sh

bench-ddp: $(VENV)/installed
	$(PY) bench/ddp.py

superuser: migrate
	$(PY) manage.py createsuperuser

clean:
	rm -rf $(VENV)

# bgplb: one Makefile for people and CI.
#   make demo   install everything, bring up the local twin, deploy and audit it
#   make test   install everything and run the whole suite (ruff, mypy, pytest)
#   make conformance   renderer and VyOS emulator against ../shared/upstream
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
APT_PACKAGES := frr frr-pythontools openssh-server iproute2 procps iputils-ping debootstrap
PY_DIRS := $(wildcard bgplb tasks runbooks lab napalm_bgplb_vyos conformance)


.PHONY: unit install system-deps venv check lint typecheck pytest test demo bench clean lab-down \
	conformance

install: system-deps venv

system-deps:
	@if ! dpkg -s $(APT_PACKAGES) >/dev/null 2>&1; then \
	  echo "installing Debian packages: $(APT_PACKAGES)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade 'pip>=23'
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: venv
	$(VENV)/bin/mypy $(PY_DIRS)

pytest: venv
	$(PY) -m pytest -q

# the fast loop: everything but the twin's tests (no root needed)
unit: lint typecheck
	$(PY) -m pytest -q -m "not twin"

check: lint typecheck pytest

test: install check

# renderer and VyOS emulator against ../shared/upstream (or $BGPLB_UPSTREAM_DIR)
conformance: venv
	$(PY) -m conformance

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

demo: install
	$(PY) -m runbooks.demo

lab-down: venv
	$(PY) -m runbooks.lab down

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

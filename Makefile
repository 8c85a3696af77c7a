# Two commands for users: `make demo` and `make test`. Everything else is plumbing.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV ?= .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
COLLECTIONS := $(CURDIR)/.collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/odh_rwx/shared_resources
SANITY_ROOT := $(CURDIR)/build/sanity/ansible_collections
SANITY_COPY := $(SANITY_ROOT)/odh_rwx/shared_resources
ANSIBLE_TEST_GET_PIP := $(HOME)/.ansible/test/cache/get_pip_24_2.py
DEMO_DIR := $(CURDIR)/demo-output

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := true
export ANSIBLE_NOCOLOR := 1
export PATH := $(BIN):$(PATH)

LMOD_CACHE_TOOL := /usr/share/lmod/lmod/libexec/update_lmod_system_cache_files
# The real JupyterHub libraries need pins the project virtualenv cannot hold; tests/jupyterhub
# drives them in two of their own: the ODH 1.x profiles library (pydantic 1) and the Zero to
# JupyterHub chart's hub, JupyterHub 5 with KubeSpawner 7.0.0 (pydantic 2).
JSP_VENV := .venv-jsp
JSP_STAMP := $(JSP_VENV)/.installed
Z2JH_VENV := .venv-z2jh
Z2JH_STAMP := $(Z2JH_VENV)/.installed

.PHONY: help venv venv-jsp venv-z2jh collection-link system-deps demo test unit lint sanity molecule bench spec-reference clean

help:
	@echo "make demo   set up, run the site rollout on the bundled example and print the access report"
	@echo "make test   set up and run every test (pytest, ansible-lint, ansible-test sanity)"
	@echo "make bench  run the benchmarks"
	@echo "make venv   create or refresh the virtualenv $(VENV)"
	@echo "make spec-reference   write docs/spec.md from docs/shared_resources.schema.json"

venv: $(STAMP) collection-link

$(STAMP): requirements/dev.txt requirements/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/dev.txt -c requirements/constraints.txt
	touch $@

venv-jsp: $(JSP_STAMP)

# PyYAML 5.4.1, which the profiles library needs, builds from source and only with Cython<3.
$(JSP_STAMP): requirements/jupyterhub.txt
	test -x $(JSP_VENV)/bin/python || $(PYTHON) -m venv $(JSP_VENV)
	echo 'cython<3' > $(JSP_VENV)/build-constraints.txt
	PIP_CONSTRAINT=$(CURDIR)/$(JSP_VENV)/build-constraints.txt \
	  $(JSP_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/jupyterhub.txt
	touch $@

venv-z2jh: $(Z2JH_STAMP)

$(Z2JH_STAMP): requirements/z2jh.txt
	test -x $(Z2JH_VENV)/bin/python || $(PYTHON) -m venv $(Z2JH_VENV)
	$(Z2JH_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/z2jh.txt
	touch $@

# The collection is developed at the repository root; Ansible finds it through this link.
collection-link:
	@mkdir -p $(dir $(COLLECTION_LINK))
	@test -L $(COLLECTION_LINK) || ln -sfn $(CURDIR) $(COLLECTION_LINK)

# Debian's Lmod gives the LMod tests a real `module` command; they skip, saying so, without it.
system-deps:
	@test -x $(LMOD_CACHE_TOOL) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq lmod; \
	  else echo "Lmod is not installed (apt-get install lmod): the LMod tests will be skipped"; fi; }

demo: venv
	DEMO_DIR=$(DEMO_DIR) tools/demo

test: unit lint sanity molecule

unit: venv venv-jsp venv-z2jh system-deps
	pytest

lint: venv
	ansible-lint
	antsibull-changelog lint

# ansible-test wants the collection at ansible_collections/<namespace>/<name> in a tree of its
# own: test it on a copy of the tracked files (less the test tooling in tools/ and its tests, as
# built), next
# to a copy of kubernetes.core, whose doc fragment and module_utils the k8s modules use.
sanity: venv $(ANSIBLE_TEST_GET_PIP)
	rm -rf $(SANITY_ROOT) && mkdir -p $(SANITY_COPY) $(SANITY_ROOT)/kubernetes
	git ls-files -co --exclude-standard -z | grep -zvE '^(tools|tests/emulator)/' | tar --null -T - -cf - | tar -xf - -C $(SANITY_COPY)
	cp -r "$$(python -c 'import ansible_collections.kubernetes.core as c; print(list(c.__path__)[0])')" $(SANITY_ROOT)/kubernetes/core
	cd $(SANITY_COPY) && git init -q && git add -A && ansible-test sanity --venv --python 3.11 --color no

# ansible-test downloads get-pip.py from a host CI cannot reach; give it an offline stand-in.
$(ANSIBLE_TEST_GET_PIP):
	mkdir -p $(dir $@)
	cp tools/ansible-test-get-pip.py $@

# molecule/default runs against the bundled API emulator; molecule/kind needs Docker, so here
# it is only syntax-checked (ansible-lint lints both).
molecule: venv
	molecule test -s default
	molecule syntax -s kind

bench: venv system-deps
	python tools/bench_mapping.py
	python tools/bench_lmod_sync.py
	python tools/bench_site.py
	python tools/bench_notebooks.py
	python tools/bench_ownership.py
	python tools/bench_lmod_notebook.py
	python tools/bench_admission.py

# docs/spec.md is generated from the spec's JSON Schema; a unit test fails when it is stale.
spec-reference: venv
	python tools/spec_reference.py

clean:
	rm -rf build $(DEMO_DIR) .collections tests/output

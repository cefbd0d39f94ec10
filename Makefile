# The course's commands. Each target creates or reuses .venv and installs the project first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The build and the tests use the bundled MNIST subset unless COURSE_DATA_DIR is set.
OFFLINE := COURSE_OFFLINE=$${COURSE_OFFLINE:-1}

.PHONY: help install course test release lab clean distclean

help:
	@echo "make course   - instructor's build: regenerate release/ and solutions/, autograde both, report in build/"
	@echo "make test     - the test suite (library, notebooks, real nbgrader pipeline)"
	@echo "make release  - regenerate release/ and solutions/ from source/ only"
	@echo "make lab      - JupyterLab on your own copy of the student release (lab/, never overwritten)"
	@echo "make clean    - remove build outputs (keeps .venv); make distclean also removes .venv"

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Python 3.10+ needed (3.11 recommended)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

course: install
	$(OFFLINE) $(BIN)/python -m autograder build

test: install
	$(OFFLINE) $(BIN)/python -m pytest

release: install
	$(BIN)/python -m autograder generate

lab: install
	mkdir -p lab && cp -rn release/. lab/
	$(BIN)/jupyter lab --notebook-dir=lab

clean:
	rm -rf build submitted autograded feedback gradebook.db .pytest_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) *.egg-info

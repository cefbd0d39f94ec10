# The course's commands. Each target creates or reuses .venv and installs the project first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The build and the tests use the bundled MNIST subset unless COURSE_DATA_DIR is set.
OFFLINE := COURSE_OFFLINE=$${COURSE_OFFLINE:-1}

# Publishing: `make publish DEST=<dir> UNTIL=<assignment>` writes the student edition released up to
# UNTIL (default: all) into DEST, e.g. a clone of the student repository; ZIP=<file> also zips it.
# DRAFT=1 publishes while the Colab links are still the placeholder (`make colab-links` sets them).
UNTIL ?=
ZIP ?=
DRAFT ?=

# Grading: `make grade` grades the fixture batch in build/demo-course; give SUBMISSIONS (a folder
# or .zip of downloaded notebooks) and ASSIGNMENT to grade a real batch in this course.
ASSIGNMENT ?= 01_elbo
# WORKERS=N grades N notebooks at once (the grader's own default when not given).
# The grading sandbox is Debian's bubblewrap; installed here when missing (root or sudo).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Fuzzing: `make fuzz` runs the grader's fuzz tests with random seeds, round after round, for FUZZ_MINUTES.
FUZZ_MINUTES ?= 20
FUZZ_TESTS := autograder/tests/test_intake.py autograder/tests/test_wire.py autograder/tests/test_fuzz_class.py

.PHONY: help install course test browser-test bench fuzz release publish grade colab-links clean distclean

help:
	@echo "make course   - instructor's build: regenerate release/ and solutions/, autograde both, report in build/"
	@echo "make test     - the test suite (library, notebooks, real nbgrader pipeline)"
	@echo "make browser-test - JupyterLab in headless Chromium: every notebook run, widgets moved, formgrader used, build/screenshots/"
	@echo "make bench    - speed, quality and cost on this machine: build/bench.md and build/bench.json"
	@echo "                (full MNIST with COURSE_DATA_DIR=<folder with mnist.npz>, else the bundled subset)"
	@echo "make fuzz     - the grader's intake and grading loop fuzzed with random seeds for FUZZ_MINUTES (20)"
	@echo "make release  - regenerate release/, solutions/ and the reference code from source/ only"
	@echo "make publish DEST=dir [UNTIL=03_sbn] [ZIP=file.zip] [DRAFT=1] - the student edition released up to UNTIL"
	@echo "make colab-links REPO=owner/name - the student repository in every Colab badge and setup cell"
	@echo "make grade    - grade a batch: make grade ASSIGNMENT=01_elbo SUBMISSIONS=downloads.zip"
	@echo "                (without SUBMISSIONS: the fixture batch, in build/demo-course)"
	@echo "make clean    - remove build outputs (keeps .venv); make distclean also removes .venv"

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Python 3.10+ needed (3.11 recommended)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@command -v bwrap >/dev/null || { command -v apt-get >/dev/null \
	  && $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq bubblewrap >/dev/null; } \
	  || echo "bubblewrap could not be installed: grading works only with --no-sandbox here"
	@command -v chromium >/dev/null || { command -v apt-get >/dev/null \
	  && $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; } \
	  || echo "chromium could not be installed: the browser tests will be skipped"
	touch $(STAMP)

install: $(STAMP)

course: install
	$(OFFLINE) $(BIN)/python -m authoring build

test: install
	$(OFFLINE) $(BIN)/python -m pytest

browser-test: install
	$(OFFLINE) $(BIN)/python -m pytest tests/test_browser.py tests/test_formgrader.py

bench: install
	$(OFFLINE) $(BIN)/python scripts/bench.py

fuzz: install
	@end=$$(( $$(date +%s) + 60 * $(FUZZ_MINUTES) )); round=0; \
	while [ $$(date +%s) -lt $$end ]; do round=$$((round + 1)); echo "fuzz round $$round"; \
	  AUTOGRADER_FUZZ=1 $(OFFLINE) $(BIN)/python -m pytest -q -p no:cacheprovider $(FUZZ_TESTS) || exit 1; \
	done; echo "fuzzed for $(FUZZ_MINUTES) min, $$round round(s): nothing found"

release: install
	$(BIN)/python -m authoring generate

publish: install
	@test -n "$(DEST)" || { echo "usage: make publish DEST=<folder> [UNTIL=<assignment>] [ZIP=<file.zip>]"; exit 2; }
	$(BIN)/python -m authoring publish "$(DEST)" $(if $(UNTIL),--until "$(UNTIL)") $(if $(ZIP),--zip "$(ZIP)") $(if $(DRAFT),--draft)

grade: install
ifdef SUBMISSIONS
	$(BIN)/python -m autograder grade $(ASSIGNMENT) "$(SUBMISSIONS)" $(if $(WORKERS),--workers $(WORKERS))
else
	$(OFFLINE) $(BIN)/python -m autograder demo $(if $(WORKERS),--workers $(WORKERS))
endif

colab-links: install
	@test -n "$(REPO)" || { echo "usage: make colab-links REPO=owner/name"; exit 2; }
	$(BIN)/python -m authoring colab-links --repo "$(REPO)"

clean:
	rm -rf build submitted autograded feedback grading gradebook.db .pytest_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) *.egg-info

"""Colab: badges and setup cells name the student repository setting; the setup acts only on Colab."""
import subprocess
import sys
import types

import nbformat
import pytest

from authoring import ROOT, colab
from coursemodel.cells import setup_cell

NOTEBOOKS = sorted(p for folder in ("source", "release", "solutions") for p in (ROOT / folder).glob("*/*.ipynb"))
REPO = colab.repository(ROOT)


def colab_part(path):
    """The lines of a notebook's setup cell that come before the course is imported."""
    setup = setup_cell(nbformat.read(path, as_version=4))
    return setup.source[:setup.source.index("from course import")]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_badge_and_setup_name_the_configured_repository(path):
    notebook = nbformat.read(path, as_version=4)
    first = notebook.cells[0]
    assert first.get("id") == colab.BADGE_ID and first.cell_type == "markdown"
    assert first.source == colab.badge(REPO, path.parent.name, path.name)
    assert f"/github/{REPO}/blob/main/assignments/{path.parent.name}/{path.name})" in first.source
    assert colab_part(path) == colab.COLAB_SETUP.format(repo=REPO)


@pytest.fixture
def pip_calls(monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: calls.append(args[0]))
    return calls


def run_colab_part(on_colab, course_installed, monkeypatch):
    """Run the Colab lines of notebook 01 with or without a fake google.colab; return its widget calls."""
    widget_calls = []
    if on_colab:
        google = types.ModuleType("google")
        fake = types.ModuleType("google.colab")
        fake.output = types.SimpleNamespace(enable_custom_widget_manager=lambda: widget_calls.append("on"))
        google.colab = fake
        monkeypatch.setitem(sys.modules, "google", google)
        monkeypatch.setitem(sys.modules, "google.colab", fake)
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    if not course_installed:
        real = __import__("importlib.util").util.find_spec
        monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None if name == "course" else real(name, *a))
    exec(colab_part(ROOT / "release" / "01_elbo" / "elbo.ipynb"), {})
    return widget_calls


def test_on_colab_without_the_course_it_installs_from_the_repository(monkeypatch, pip_calls):
    assert run_colab_part(True, False, monkeypatch) == ["on"]
    assert pip_calls == [[sys.executable, "-m", "pip", "install", "--quiet", f"git+https://github.com/{REPO}"]]


def test_on_colab_with_the_course_installed_it_installs_nothing(monkeypatch, pip_calls):
    assert run_colab_part(True, True, monkeypatch) == ["on"]
    assert pip_calls == []


def test_elsewhere_it_does_nothing(monkeypatch, pip_calls):
    assert run_colab_part(False, False, monkeypatch) == []
    assert pip_calls == []


def test_write_links_sets_one_repository_everywhere_and_is_idempotent(tmp_path):
    (tmp_path / "source" / "01_elbo").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    target = tmp_path / "source" / "01_elbo" / "elbo.ipynb"
    target.write_text((ROOT / "source" / "01_elbo" / "elbo.ipynb").read_text())
    colab.write_links(tmp_path, "someone/vi-course")
    once = target.read_text()
    colab.write_links(tmp_path, "someone/vi-course")
    assert target.read_text() == once and colab.repository(tmp_path) == "someone/vi-course"
    assert once.count("someone/vi-course") == 2 and REPO not in once
    with pytest.raises(ValueError, match="owner/name"):
        colab.write_links(tmp_path, "not a repo")

"""environment.yml (conda route) and pyproject.toml (pip route) list the same dependencies."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _normalize(requirement):
    return re.sub(r"\s+", "", requirement).lower()


def test_environment_yml_parses_and_pins_python_3_11():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["name"] and "python=3.11" in env["dependencies"] and "pip" in env["dependencies"]


def test_conda_and_pip_routes_install_the_same_packages():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    expected = project["dependencies"] + project["optional-dependencies"]["dev"]
    assert "-e ." in pip_section, "the conda environment must install the course package itself"
    assert sorted(map(_normalize, (r for r in pip_section if r != "-e ."))) == sorted(map(_normalize, expected))

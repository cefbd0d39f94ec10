"""The grader stands on its own: no module of it imports the authoring tools."""
import ast
import subprocess
import sys
from pathlib import Path

GRADER = Path(__file__).resolve().parents[1]


def test_no_module_of_the_grader_imports_authoring():
    modules = [p for p in sorted(GRADER.rglob("*.py")) if "tests" not in p.relative_to(GRADER).parts]
    assert GRADER / "judge" / "judge.py" in modules
    for path in modules + [GRADER.parent / "nbgrader_config.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(name.split(".")[0] == "authoring" for name in names), f"{path.name} imports {names}"


def test_the_whole_grader_loads_without_authoring():
    script = ("import importlib, pkgutil, sys, autograder\n"
              "for info in pkgutil.walk_packages(autograder.__path__, 'autograder.'):\n"
              "    if '.tests' not in info.name:\n"
              "        importlib.import_module(info.name)\n"
              "assert 'autograder.judge.judge' in sys.modules\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] == 'authoring'))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"

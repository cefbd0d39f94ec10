"""Names the autograder tests share (a plain module: ``conftest`` is ambiguous across test folders)."""
import shutil

import pytest

from autograder import demo

ASSIGNMENT = demo.expected()["assignment"]
needs_sandbox = pytest.mark.skipif(shutil.which("bwrap") is None,
                                   reason="bubblewrap is not installed (make install installs it)")


def tree(root, skip=None):
    """{relative path: (size, mtime)} of every file under ``root`` outside ``skip``."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file() and (skip is None or skip not in p.parents)}

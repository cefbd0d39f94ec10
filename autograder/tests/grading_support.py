"""Names the autograder tests share (a plain module: ``conftest`` is ambiguous across test folders)."""
import hashlib
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


GRADER_OUTPUTS = ("submitted", "autograded", "feedback", "grading", "gradebook.db")


def checksums(root, skip=GRADER_OUTPUTS):
    """{relative path: SHA-256} of every file and link under ``root`` outside the top-level ``skip`` names."""
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts[0] in skip or not (path.is_file() or path.is_symlink()):
            continue
        found[str(relative)] = (f"link to {path.readlink()}" if path.is_symlink()
                                else hashlib.sha256(path.read_bytes()).hexdigest())
    return found

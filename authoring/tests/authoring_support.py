"""Names the authoring tests share (a plain module: ``conftest`` is ambiguous across test folders)."""
import subprocess

from authoring import ROOT
from coursemodel.layout import Course

ASSIGNMENTS = Course(ROOT).assignment_names()


def git(folder, *args):
    """Run git in ``folder`` as the instructor would; returns its output."""
    return subprocess.run(["git", "-C", str(folder), "-c", "user.name=Instructor", "-c", "user.email=i@example.org",
                           *args], check=True, capture_output=True, text=True).stdout

"""Shared set-up of the authoring tests: the student edition published once for every UNTIL."""
import os

import pytest

os.environ.setdefault("COURSE_OFFLINE", "1")
os.environ["MPLBACKEND"] = "Agg"

from authoring import ROOT, publish  # noqa: E402

from authoring_support import ASSIGNMENTS, git  # noqa: E402


@pytest.fixture(scope="session")
def editions(tmp_path_factory):
    """{UNTIL: folder} of the edition published (as a draft: the Colab links are the placeholder) for each assignment; each folder is a git
    repository of the student edition with that edition committed, as after that deadline."""
    root = tmp_path_factory.mktemp("editions")
    published = {}
    for until in ASSIGNMENTS:
        folder = root / until
        folder.mkdir()
        git(folder, "init", "--quiet", "--initial-branch=main")
        publish.publish(ROOT, folder, until, draft=True)
        git(folder, "add", "--all")
        git(folder, "commit", "--quiet", "-m", f"release {until}")
        published[until] = folder
    return published

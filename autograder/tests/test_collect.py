"""Importing downloads: names, unsafe ids, non-notebooks, hostile archives, limits."""
import zipfile
from pathlib import Path

import pytest

from autograder import demo
from autograder.intake import collect
from grading_support import ASSIGNMENT

GOLDEN = demo.expected()["archives"]
ARCHIVES = demo.FIXTURES / "archives"
NB = "elbo.ipynb"


def submitted(course):
    return sorted(p.parent.parent.name for p in (course / "submitted").glob(f"*/{ASSIGNMENT}/{NB}"))


@pytest.mark.parametrize("archive", sorted(GOLDEN))
def test_hostile_archives_are_skipped_member_by_member(course, archive):
    report = collect.import_submissions(course, ASSIGNMENT, NB, ARCHIVES / archive)
    assert submitted(course) == GOLDEN[archive]["imported"]
    for note in GOLDEN[archive]["skipped"]:
        assert any(line.startswith(note) for line in report.notes), report.notes
    for name in ("traversal", "bomb", "double-slash", "unc", "absolute"):
        assert not list(course.parent.rglob(f"*{name}_elbo.ipynb")), name
        assert not Path(f"/{name}_elbo.ipynb").exists() and not Path(f"/tmp/{name}_elbo.ipynb").exists()
    for student, want in GOLDEN[archive].get("content", {}).items():
        assert (course / "submitted" / student / ASSIGNMENT / NB).stat().st_size > 1000 if want == "notebook" else \
            (course / "submitted" / student / ASSIGNMENT / "timestamp.txt").read_text().startswith(want)


def test_zip_bomb_is_stopped_at_the_size_limit(course):
    limits = collect.Limits(max_file_bytes=2**20)
    report = collect.import_submissions(course, ASSIGNMENT, NB, ARCHIVES / "bomb.zip", limits=limits)
    assert any("inflates past 1,048,576 bytes" in note for note in report.notes)


def test_too_many_files_refuses_the_archive(course, tmp_path):
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(5):
            zf.writestr(f"s{i}_elbo.ipynb", "{}")
    with pytest.raises(collect.UnsafeArchive, match="holds 5 files, more than the limit of 3"):
        collect.import_submissions(course, ASSIGNMENT, NB, archive, limits=collect.Limits(max_files=3))


def test_not_a_zip_and_missing_paths_are_clear_errors(course, tmp_path):
    fake = tmp_path / "downloads.zip"
    fake.write_text("this is not a zip")
    with pytest.raises(collect.UnsafeArchive, match="not a readable zip file"):
        collect.import_submissions(course, ASSIGNMENT, NB, fake)
    with pytest.raises(FileNotFoundError, match="no submissions at"):
        collect.import_submissions(course, ASSIGNMENT, NB, tmp_path / "nowhere")


def test_pattern_is_configurable_for_lms_exports(course, tmp_path):
    downloads = tmp_path / "canvas"
    downloads.mkdir()
    (downloads / "doejane_LATE_12345_678901_elbo-1.ipynb").write_text("{}")
    (downloads / "roejim_23456_678902_elbo.ipynb").write_text("{}")
    pattern = r"(?P<student_id>[a-z]+)_(?:LATE_)?\d+_\d+_(?P<file_id>.+)"
    report = collect.import_submissions(course, ASSIGNMENT, NB, downloads, pattern=pattern)
    assert sorted(report.imported) == ["doejane", "roejim"]
    assert (course / "submitted" / "doejane" / ASSIGNMENT / "timestamp.txt").read_text()


def test_colab_names_unsafe_ids_duplicates_and_links(course, tmp_path):
    downloads = tmp_path / "colab"
    downloads.mkdir()
    (downloads / "jdoe42_Copy of elbo.ipynb").write_text('{"v": 1}')
    (downloads / "jdoe42_elbo (1).ipynb").write_text('{"v": 2}')
    (downloads / "-rf_elbo.ipynb").write_text("{}")
    (downloads / "no-underscore.ipynb").write_text("{}")
    (downloads / "link_elbo.ipynb").symlink_to("/etc/passwd")
    report = collect.import_submissions(course, ASSIGNMENT, NB, downloads)
    assert submitted(course) == ["jdoe42"]
    assert (course / "submitted" / "jdoe42" / ASSIGNMENT / NB).read_text() == '{"v": 2}'
    assert any("student jdoe42 sent 2 notebooks" in note for note in report.notes)
    assert any("link_elbo.ipynb: symbolic link" in note for note in report.notes)
    assert any("does not match the pattern" in line for line in report.refused)
    assert any("'-rf' is not a safe name" in line for line in report.refused)

"""The course's layout: a course root holds nbgrader's folders (``source/``, ``release/``, ``submitted/``,
...), one folder per assignment in each, and one notebook per assignment. Assignments are ordered by
name, which is also the order in which they fall due."""

from dataclasses import dataclass
from pathlib import Path


def may_see(student_of, owner):
    """Whether a student working on assignment ``student_of`` may see the answers of assignment ``owner``:
    only those of the assignments before it (the publishing scan and the grading sandbox both ask this)."""
    return owner < student_of


@dataclass(frozen=True)
class Course:
    """A course root."""

    root: Path

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root))

    def assignment_names(self):
        """The assignments: folders of ``source/`` that hold a notebook, in order."""
        source = self.root / "source"
        return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))

    def assignment(self, name):
        """The Assignment ``name`` of this course."""
        return Assignment(self, name)

    def not_due(self, until):
        """The names of the assignments whose answers a student working on ``until`` may not see: ``until``
        and every later one."""
        names = self.assignment_names()
        if until not in names:
            raise ValueError(f"no assignment {until!r}; known: {', '.join(names)}")
        return [name for name in names if not may_see(until, name)]


@dataclass(frozen=True)
class Assignment:
    """One assignment of a course."""

    course: Course
    name: str

    @property
    def notebook_name(self):
        """The file name of the assignment's notebook (one notebook per assignment in this course)."""
        names = sorted(p.name for p in (self.course.root / "source" / self.name).glob("*.ipynb"))
        if len(names) != 1:
            raise ValueError(f"assignment {self.name} must have exactly one notebook in source/, has {names}")
        return names[0]

    def path(self, folder="source", student=None):
        """The assignment's notebook in ``folder`` (``submitted``, ``autograded`` and ``feedback`` need the
        ``student``)."""
        parts = [folder, student] if student is not None else [folder]
        return self.course.root.joinpath(*parts, self.name, self.notebook_name)

    def read(self, folder="source"):
        """The assignment's notebook in ``folder``, read."""
        import nbformat  # here: the sandbox's launcher imports this module for ``may_see`` alone

        return nbformat.read(self.path(folder), as_version=4)

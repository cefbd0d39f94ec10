"""Import downloaded submissions (a folder or a zip) into nbgrader's ``submitted/`` layout.

File names carry the student id. They are parsed by nbgrader's own
``FileNameCollectorPlugin`` (the plugin of ``nbgrader zip_collect``) with a
configurable regular expression that has ``student_id`` and ``file_id`` groups
and, optionally, a ``timestamp`` group. Archives are extracted here rather than
by zip_collect, with limits: no member may leave the archive, be a link, or
inflate past the size limits.
"""

import re
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from nbgrader.plugins.zipcollect import FileNameCollectorPlugin

# "<student id>_<anything>.ipynb", e.g. "jdoe42_elbo.ipynb" or "jdoe42_Copy of elbo (2).ipynb".
DEFAULT_PATTERN = r"(?P<student_id>[^_]+)_(?P<file_id>.+)"
SAFE_STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.@-]{0,63}")
CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    """What one import may unpack."""

    max_files: int = 5000
    max_file_bytes: int = 50 * 2**20
    max_total_bytes: int = 2 * 2**30


@dataclass
class ImportReport:
    """What an import did: submissions stored, files skipped, names refused."""

    imported: dict = field(default_factory=dict)  # student id -> path in submitted/
    notes: list = field(default_factory=list)  # skipped files, with the reason
    refused: list = field(default_factory=list)  # files whose name gave no safe student id

    def lines(self):
        """Human-readable summary, one line per event."""
        out = [f"imported {len(self.imported)} submission(s)"]
        out += [f"  refused: {line}" for line in self.refused]
        out += [f"  skipped: {line}" for line in self.notes]
        return out


class UnsafeArchive(ValueError):
    """An archive that cannot be opened safely."""


def _is_link(info):
    return stat.S_ISLNK(info.external_attr >> 16)


def _copy_limited(source, target, budget):
    """Copy a stream; stop with UnsafeArchive once more than ``budget`` bytes came out."""
    written = 0
    with open(target, "wb") as out:
        while chunk := source.read(CHUNK):
            written += len(chunk)
            if written > budget:
                raise UnsafeArchive(f"inflates past {budget:,} bytes")
            out.write(chunk)
    return written


def safe_extract(archive, dest, limits, report):
    """Extract ``archive`` into ``dest``, skipping (with a note) every member that is not safe."""
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as error:
        raise UnsafeArchive(f"{Path(archive).name} is not a readable zip file ({error})") from error
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        if len(members) > limits.max_files:
            raise UnsafeArchive(f"{Path(archive).name} holds {len(members):,} files, more than "
                                f"the limit of {limits.max_files:,}")
        total = 0
        for info in members:
            parts = PurePosixPath(info.filename.replace("\\", "/")).parts
            if not parts or parts[0] == "/" or ".." in parts or ":" in parts[0]:
                report.notes.append(f"{info.filename}: path leaves the archive; not extracted")
                continue
            if _is_link(info):
                report.notes.append(f"{info.filename}: symbolic link; not extracted")
                continue
            target = Path(dest, *parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            budget = min(limits.max_file_bytes, limits.max_total_bytes - total)
            try:
                with zf.open(info) as source:
                    total += _copy_limited(source, target, budget)
            except UnsafeArchive as error:
                target.unlink(missing_ok=True)
                report.notes.append(f"{info.filename}: {error} (zip bomb?); not extracted")
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
                target.unlink(missing_ok=True)
                report.notes.append(f"{info.filename}: unreadable ({error}); not extracted")


def _candidates(folder, limits, report):
    """Notebook files under ``folder``; everything else is noted and skipped."""
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            report.notes.append(f"{path.name}: symbolic link; ignored")
        elif not path.is_file() or any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        elif path.suffix.lower() != ".ipynb":
            report.notes.append(f"{path.name}: not a notebook; ignored")
        elif path.stat().st_size > limits.max_file_bytes:
            report.notes.append(f"{path.name}: larger than {limits.max_file_bytes:,} bytes; ignored")
        else:
            yield path


def _timestamp(match, path):
    """nbgrader's timestamp text: from the file name's ``timestamp`` group, else the file time."""
    if match.get("timestamp"):
        return match["timestamp"]
    when = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
    return when.strftime("%Y-%m-%d %H:%M:%S.%f %Z")


def import_submissions(course_root, assignment, notebook_name, source, pattern=DEFAULT_PATTERN,
                       limits=Limits()):
    """Store every student's notebook from ``source`` (folder or .zip) as
    ``submitted/<student>/<assignment>/<notebook_name>``; return an ImportReport."""
    source = Path(source)
    report = ImportReport()
    if not source.exists():
        raise FileNotFoundError(f"no submissions at {source}")
    collector = FileNameCollectorPlugin(named_regexp=pattern, valid_ext=[".ipynb"])
    with tempfile.TemporaryDirectory(prefix="autograder-import-") as tmp:
        folder = source
        if source.is_file():
            folder = Path(tmp)
            safe_extract(source, folder, limits, report)
        chosen = {}
        for path in _candidates(folder, limits, report):
            match = collector.collect(path.name)
            if not match:
                report.refused.append(f"{path.name}: file name does not match the pattern {pattern!r}")
            elif not SAFE_STUDENT_ID.fullmatch(match["student_id"]):
                report.refused.append(f"{path.name}: student id {match['student_id']!r} is not a safe "
                                      "name (letters, digits, '.', '-' and '@' only)")
            else:
                student = match["student_id"]
                if student in chosen:
                    report.notes.append(f"{chosen[student][0].name}: student {student} sent more than one "
                                        f"notebook; kept {path.name}, the last in name order")
                chosen[student] = (path, _timestamp(match, path))
        for student, (path, timestamp) in sorted(chosen.items()):
            target = Path(course_root, "submitted", student, assignment)
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            shutil.copyfile(path, target / notebook_name)
            (target / "timestamp.txt").write_text(timestamp)
            report.imported[student] = target / notebook_name
    return report

"""Import downloaded submissions (a folder or a zip) into nbgrader's ``submitted/`` layout.

File names carry the student id. They are parsed by nbgrader's own
``FileNameCollectorPlugin`` (the plugin of ``nbgrader zip_collect``) with a
configurable regular expression that has ``student_id`` and ``file_id`` groups
and, optionally, a ``timestamp`` group. Archives are extracted here rather than
by zip_collect, with limits: no member may leave the archive (each is resolved
against the destination), be a link, be encrypted or inflate past the size
limits, and a member that cannot be extracted is refused alone, with a reason.
Archives inside the archive are extracted too. Student ids are compared
without case; a member keeps its own time (for late flags), and of several
notebooks of one student the newest is kept.
"""

import os
import re
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

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
    with open(target, "xb") as out:
        while chunk := source.read(CHUNK):
            written += len(chunk)
            if written > budget:
                raise UnsafeArchive(f"inflates past {budget:,} bytes")
            out.write(chunk)
    return written


def _discard(path):
    """Remove a partly extracted file, if there is one."""
    try:
        if path.is_file() and not path.is_symlink():
            path.unlink()
    except OSError:
        pass


def member_target(dest, name):
    """Where member ``name`` goes inside ``dest``, or None when it would land anywhere else."""
    unified = name.replace("\\", "/")
    parts = [part for part in unified.split("/") if part not in ("", ".")]
    if not parts or unified.startswith("/") or ".." in parts or ":" in parts[0] or "\0" in unified:
        return None
    root = Path(dest).resolve()
    target = Path(root, *parts)
    return target if Path(os.path.abspath(target)).is_relative_to(root) else None


def _member_time(info):
    """The member's own modification time (zip stores local time without a zone: read as UTC)."""
    try:
        return datetime(*info.date_time, tzinfo=timezone.utc).timestamp()
    except ValueError:
        return None


class _Budget:
    """What is left of an import's limits, shared by nested archives."""

    def __init__(self, limits):
        self.limits, self.files, self.bytes = limits, 0, 0


def safe_extract(archive, dest, limits, report, budget=None, depth=0):
    """Extract ``archive`` into ``dest``, refusing (with a note) every member that is not safe;
    archives inside it are extracted too, into a folder of their own, two levels deep at most."""
    budget = budget or _Budget(limits)
    label = Path(archive).name
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as error:
        raise UnsafeArchive(f"{label} is not a readable zip file ({error})") from error
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        budget.files += len(members)
        if budget.files > limits.max_files:
            raise UnsafeArchive(f"{label} holds {len(members):,} files, more than the limit of {limits.max_files:,}")
        seen = set()
        for info in members:
            name = info.filename
            target = member_target(dest, name)
            if target is None:
                report.notes.append(f"{name}: path leaves the archive; not extracted")
                continue
            if _is_link(info):
                report.notes.append(f"{name}: symbolic link; not extracted")
                continue
            if info.flag_bits & 0x1:
                report.notes.append(f"{name}: encrypted; not extracted")
                continue
            if str(target) in seen:
                report.notes.append(f"{name}: appears more than once in {label}; the last copy was kept")
                _discard(target)
            seen.add(str(target))
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as source:
                    budget.bytes += _copy_limited(source, target, min(limits.max_file_bytes,
                                                                      limits.max_total_bytes - budget.bytes))
                when = _member_time(info)
                if when is not None:
                    os.utime(target, (when, when))
            except UnsafeArchive as error:
                _discard(target)
                report.notes.append(f"{name}: {error} (zip bomb?); not extracted")
                continue
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as error:
                _discard(target)
                reason = getattr(error, "strerror", None) or str(error)[:120]
                report.notes.append(f"{name}: could not be extracted ({type(error).__name__}: {reason}); "
                                    "not extracted")
                continue
            if target.suffix.lower() == ".zip":
                if depth >= 2:
                    report.notes.append(f"{name}: an archive nested too deeply; not extracted")
                else:
                    inner = target.with_name(target.name + ".contents")
                    try:
                        inner.mkdir()
                        safe_extract(target, inner, limits, report, budget, depth + 1)
                        report.notes.append(f"{name}: an archive inside the archive; its notebooks were imported")
                    except (UnsafeArchive, OSError) as error:
                        report.notes.append(f"{name}: {error}; not extracted")
                target.unlink()


def _candidates(folder, limits, report):
    """Notebook files under ``folder``; everything else is noted and skipped."""
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            report.notes.append(f"{path.name}: symbolic link; ignored")
        elif not path.is_file() or any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        elif path.suffix.lower() == ".zip":
            report.notes.append(f"{path.name}: an archive; import it on its own")
        elif path.suffix.lower() != ".ipynb":
            report.notes.append(f"{path.name}: not a notebook; ignored")
        elif path.stat().st_size > limits.max_file_bytes:
            report.notes.append(f"{path.name}: larger than {limits.max_file_bytes:,} bytes; ignored")
        else:
            yield path


def _timestamp(match, path):
    """nbgrader's timestamp text: from the file name's ``timestamp`` group, else the file's own time
    (an archive member's time, kept on extraction)."""
    if match.get("timestamp"):
        return match["timestamp"]
    when = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
    return when.strftime("%Y-%m-%d %H:%M:%S.%f %Z")


COPY_NUMBER = re.compile(r"\((\d+)\)\s*$")


def _newest_first(path, timestamp):
    """Sort key of one student's notebooks: the latest time, then the highest copy number ("vae (2)")."""
    number = COPY_NUMBER.search(path.stem)
    return (path.stat().st_mtime, timestamp, int(number.group(1)) if number else 0, path.name)


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
        sent = {}
        for path in _candidates(folder, limits, report):
            match = collector.collect(path.name)
            if not match:
                report.refused.append(f"{path.name}: file name does not match the pattern {pattern!r}")
            elif not SAFE_STUDENT_ID.fullmatch(match["student_id"]):
                report.refused.append(f"{path.name}: student id {match['student_id']!r} is not a safe "
                                      "name (letters, digits, '.', '-' and '@' only)")
            else:
                sent.setdefault(match["student_id"].lower(), []).append((path, _timestamp(match, path)))
        chosen = {}
        for student, files in sent.items():
            files.sort(key=lambda item: _newest_first(*item))
            chosen[student] = files[-1]
            if len(files) > 1:
                report.notes.append(f"student {student} sent {len(files)} notebooks "
                                    f"({', '.join(p.name for p, _ in files)}); kept the newest, {files[-1][0].name}")
        for student, (path, timestamp) in sorted(chosen.items()):
            target = Path(course_root, "submitted", student, assignment)
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            shutil.copyfile(path, target / notebook_name)
            (target / "timestamp.txt").write_text(timestamp)
            report.imported[student] = target / notebook_name
    return report

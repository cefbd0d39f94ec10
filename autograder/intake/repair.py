"""Intake: a submitted file made into a well-formed notebook, once, before anything else reads it.

Editors, converters and scripts write notebooks that are valid JSON but not
valid nbformat: code cells without ``outputs``, a cell without ``metadata``, a
``kernelspec`` of ``null``, a newer minor version, strings as numbers. What
can be repaired without touching a cell's text is repaired, and each repair is
named: a missing key gets its default, a wrong or unknown part that holds no
answer (an output, an attachment, a metadata field, a key nbformat does not
know) is dropped, a cell of an unknown kind becomes a raw cell, a repeated or
malformed cell id is replaced. A file that is not JSON, not an object, or
whose cells are not a list is refused with the reason. Only plain JSON values
are ever touched here, without recursion (the file may nest deeply), and the
result always validates against nbformat's schema of version 4.5.
"""

import json
import re
import warnings
from dataclasses import dataclass

import nbformat
from nbformat.v4.rwbase import rejoin_lines, strip_transient
from nbformat.validator import iter_validate

MAJOR, MINOR = 4, nbformat.v4.nbformat_minor
MAX_DEPTH = 64  # deeper values in metadata and outputs are dropped: nothing of the course nests that deep
CELL_KEYS = {"code": {"id", "cell_type", "metadata", "source", "outputs", "execution_count"},
             "markdown": {"id", "cell_type", "metadata", "source", "attachments"},
             "raw": {"id", "cell_type", "metadata", "source", "attachments"}}
OUTPUT_TYPES = ("execute_result", "display_data", "stream", "error")
CELL_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")
SHOWN_CELLS = 5


@dataclass(frozen=True)
class Intake:
    """A submission after intake: the notebook (None when refused), what was repaired, why it was refused."""

    notebook: object = None
    repairs: tuple = ()
    problem: str | None = None

    def message(self):
        """One sentence on the repairs, or None."""
        if not self.repairs:
            return None
        return ("the notebook's structure was repaired before grading (it was not in a form nbformat accepts): "
                + "; ".join(self.repairs))


class Refused(ValueError):
    """A file that cannot be made into a notebook; the message says why."""


class _Repairs:
    """What was repaired: a phrase, and the numbers of the cells it was done to (none for the notebook)."""

    def __init__(self):
        self.cells = {}

    def add(self, phrase, cell=None):
        self.cells.setdefault(phrase, [])
        if cell is not None:
            self.cells[phrase].append(cell)

    def sentences(self):
        for phrase, cells in self.cells.items():
            if not cells:
                yield f"the notebook: {phrase}"
                continue
            shown = ", ".join(map(str, cells[:SHOWN_CELLS])) + (
                f" and {len(cells) - SHOWN_CELLS} more" if len(cells) > SHOWN_CELLS else "")
            yield f"{'cell' if len(cells) == 1 else 'cells'} {shown}: {phrase}"


def normalize(data):
    """The Intake of a submitted file's bytes."""
    repairs = _Repairs()
    try:
        notebook = _notebook(_parse(data, repairs), repairs)
    except Refused as error:
        return Intake(problem=f"not a valid notebook: {error}")
    return Intake(notebook, tuple(repairs.sentences()))


def _parse(data, repairs):
    """The JSON value of ``data`` (UTF-8, -16 or -32), with undecodable bytes and NaN or Infinity replaced."""
    encoding = json.detect_encoding(data)
    if encoding == "utf-8-sig":
        repairs.add("a byte-order mark before the text removed")
    elif encoding != "utf-8":
        repairs.add(f"read as {encoding.upper()} text (a notebook is UTF-8)")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        text = data.decode(encoding, errors="replace")
        repairs.add("bytes that are not text: replaced by U+FFFD")
    constants = []
    try:
        value = json.loads(text, parse_constant=lambda name: constants.append(name))
    except json.JSONDecodeError as error:
        raise Refused(f"the file is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno}); "
                      "was the download cut short or the file edited by hand?") from error
    except RecursionError as error:
        raise Refused("its JSON is nested too deeply to read") from error
    except ValueError as error:  # e.g. an integer of more than 4,300 digits
        raise Refused(f"its JSON cannot be read ({str(error)[:120]})") from error
    if constants:
        repairs.add(f"{', '.join(sorted(set(constants)))}, which JSON does not have: read as null")
    if not isinstance(value, dict):
        raise Refused(f"the file is JSON, but a {_kind(value)}, not a notebook")
    return value


def _kind(value):
    return {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number")


def _depth_over(value, limit=MAX_DEPTH):
    """Whether ``value`` nests more than ``limit`` levels (no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def _clean_text(value):
    """Make every string of ``value`` (keys included) encodable as UTF-8, in place and without recursion (a lone
    surrogate, which JSON can spell, becomes U+FFFD); whether anything changed."""
    changed = False

    def fix(text):
        nonlocal changed
        try:
            text.encode("utf-8")
            return text
        except UnicodeEncodeError:
            changed = True
            return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")

    stack = [value]
    while stack:
        item = stack.pop()
        keys = range(len(item)) if isinstance(item, list) else list(item)
        if isinstance(item, dict) and any(fix(k) is not k for k in keys):
            fixed = {fix(k): v for k, v in item.items()}
            item.clear()
            item.update(fixed)
            keys = list(item)
        for key in keys:
            if isinstance(item[key], str):
                item[key] = fix(item[key])
            elif isinstance(item[key], (dict, list)):
                stack.append(item[key])
    return changed


def _version(raw, repairs):
    """(major, minor) as written; a notebook of another major version is converted or read as 4."""
    major, minor = raw.get("nbformat"), raw.get("nbformat_minor")
    if major == 3 or ("worksheets" in raw and "cells" not in raw):
        return 3, minor
    if type(major) is not int or major != MAJOR:
        repairs.add(f"format version {json.dumps(major)[:20]} read as {MAJOR}.{MINOR}")
        return MAJOR, MINOR
    if type(minor) is not int or minor < 0:
        repairs.add(f"format minor version {json.dumps(minor)[:20]} read as {MINOR}")
        return MAJOR, MINOR
    if minor > MINOR:
        repairs.add(f"format 4.{minor}, newer than the grader's 4.{MINOR}, read as 4.{MINOR}")
    return MAJOR, minor


def _from_v3(raw):
    """A version 3 notebook converted by nbformat, as plain JSON values."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            converted = nbformat.convert(nbformat.from_dict(raw), MAJOR)
            return json.loads(json.dumps(converted))
    except Exception as error:  # noqa: BLE001 - nbformat's converter raises many kinds on odd input
        raise Refused(f"it is a notebook of format 3 that could not be converted ({type(error).__name__})") \
            from error


def _notebook(raw, repairs):
    """A valid NotebookNode from a JSON object, or Refused."""
    if _clean_text(raw):
        repairs.add("text that is not valid Unicode: replaced by U+FFFD")
    major, minor = _version(raw, repairs)
    if major == 3:
        raw = _from_v3(raw)
        repairs.add("converted from format 3")
        minor = MINOR
    extra = sorted(set(raw) - {"cells", "metadata", "nbformat", "nbformat_minor"})
    if extra:
        repairs.add(f"keys a notebook does not have ({', '.join(extra)[:80]}): dropped")
    cells = raw.get("cells")
    if not isinstance(cells, list):
        raise Refused(f"it has no list of cells (its 'cells' is {_what(cells)})")
    metadata = _metadata(raw.get("metadata"), repairs)
    _drop_invalid(metadata, lambda md: _errors({"cells": [], "metadata": md, "nbformat": MAJOR,
                                                "nbformat_minor": MINOR}), repairs)
    fixed = [(number, _cell(cell, number, minor, repairs)) for number, cell in enumerate(cells, start=1)]
    fixed = [(number, cell) for number, cell in fixed if cell is not None]
    _unique_ids(fixed, repairs)
    node = nbformat.from_dict({"cells": [cell for _, cell in fixed], "metadata": metadata, "nbformat": MAJOR,
                               "nbformat_minor": MINOR})
    strip_transient(rejoin_lines(node))  # as nbformat's own reader leaves a notebook
    problems = _errors(node)
    if problems:  # every repair above keeps to the schema: a notebook that still fails is refused, never guessed at
        raise Refused(f"its structure could not be repaired ({problems[0].message[:160]})")
    return node


def _what(value):
    """How a part was, for a sentence: 'missing', 'a list', 'an object'."""
    kind = _kind(value)
    return "missing" if value is None else f"{'an' if kind == 'object' else 'a'} {kind}"


def _metadata(value, repairs, cell=None):
    """A metadata dict (a new empty one for anything else), without values nested too deeply."""
    if not isinstance(value, dict):
        repairs.add(f"metadata was {_what(value)}: replaced by empty metadata", cell)
        return {}
    for key in [k for k, v in value.items() if _depth_over(v)]:
        del value[key]
        repairs.add(f"metadata field {key[:40]!r} nested too deeply: dropped", cell)
    return value


def _errors(value, ref=None):
    """nbformat's schema errors of ``value`` (a notebook, or a definition ``ref`` such as 'code_cell')."""
    return list(iter_validate(value, ref=ref, version=MAJOR, version_minor=MINOR))


def _drop_invalid(metadata, errors_of, repairs, cell=None):
    """Drop each metadata field that nbformat's schema refuses."""
    for _ in range(len(metadata) + 1):
        bad = {error.absolute_path[1] for error in errors_of(metadata)
               if len(error.absolute_path) > 1 and error.absolute_path[0] == "metadata"}
        if not bad:
            return
        for key in bad:
            del metadata[key]
            repairs.add(f"metadata field {str(key)[:40]!r} not valid: dropped", cell)


def _cell(cell, number, minor, repairs):
    """One cell made valid (a dict of plain values), or None when it is not a cell at all."""
    if not isinstance(cell, dict):
        repairs.add(f"not a cell but {_what(cell)}: left out", number)
        return None
    kind = cell.get("cell_type")
    if not isinstance(kind, str) or kind not in CELL_KEYS:
        guess = "code" if ("outputs" in cell or "execution_count" in cell) and kind is None else \
            "markdown" if kind is None else "raw"
        repairs.add(f"cell kind {json.dumps(kind)[:30]} unknown: read as {guess}", number)
        kind = cell["cell_type"] = guess
    extra = sorted(str(key) for key in set(cell) - CELL_KEYS[kind])
    if extra:
        for key in set(cell) - CELL_KEYS[kind]:
            del cell[key]
        repairs.add(f"keys a {kind} cell does not have ({', '.join(extra)[:60]}): dropped", number)
    cell["metadata"] = _metadata(cell.get("metadata"), repairs, number)
    source = cell.get("source")
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        cell["source"] = "".join(source)
    elif not isinstance(source, str):
        cell["source"] = ""
        what = "a list of more than text" if isinstance(source, list) else _what(source)
        repairs.add(f"its text was {what}: left empty", number)
    if "id" in cell and minor < 5:
        del cell["id"]  # a notebook older than 4.5 gets ids afresh, as nbformat's upgrade gives them
        repairs.add(f"a cell id, which format 4.{minor} does not have: dropped", number)
    if kind == "code":
        _code_parts(cell, number, repairs)
    elif "attachments" in cell and (not isinstance(cell["attachments"], dict) or _depth_over(cell["attachments"])):
        del cell["attachments"]
        repairs.add("attachments not valid: dropped", number)
    _drop_invalid(cell["metadata"], lambda md: _errors({**cell, "metadata": md}, f"{kind}_cell"), repairs, number)
    if "attachments" in cell and _errors(cell, f"{kind}_cell"):
        del cell["attachments"]
        repairs.add("attachments not valid: dropped", number)
    return cell


def _code_parts(cell, number, repairs):
    """A code cell's execution count and outputs, valid."""
    count = cell.get("execution_count", "missing")
    if not (count is None or (type(count) is int and count >= 0)):
        cell["execution_count"] = None
        repairs.add(f"execution count {'missing' if count == 'missing' else 'not valid'}: cleared", number)
    outputs = cell.get("outputs")
    if not isinstance(outputs, list):
        repairs.add(f"outputs were {_what(outputs)}: replaced by no outputs", number)
        outputs = []
    kept = [o for o in outputs if isinstance(o, dict) and o.get("output_type") in OUTPUT_TYPES and not _depth_over(o)
            and not _errors(o, o["output_type"])]
    if len(kept) < len(outputs):
        repairs.add("outputs that are not valid: dropped", number)
    cell["outputs"] = kept


def _unique_ids(cells, repairs):
    """Every cell has a valid id of its own: the first of a repeated id keeps it, the others get new ones."""
    taken = {cell["id"] for _, cell in cells if isinstance(cell.get("id"), str) and CELL_ID.fullmatch(cell["id"])}
    seen = set()
    for number, cell in cells:
        old = cell.get("id")
        if isinstance(old, str) and CELL_ID.fullmatch(old) and old not in seen:
            seen.add(old)
            continue
        new, suffix = f"cell-{number}", 0
        while new in taken or new in seen:
            suffix += 1
            new = f"cell-{number}-{suffix}"
        if "id" in cell:  # a notebook older than 4.5 has none, and gets them silently
            repairs.add(f"cell id {'repeated' if isinstance(old, str) and old in seen else 'not valid'}: replaced",
                        number)
        cell["id"] = new
        seen.add(new)

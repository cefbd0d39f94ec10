"""Hypothesis strategies of structurally odd submissions: valid JSON, or bytes, that some tool might write.

An ``Odd`` starts from the correct fixture submission of 01 and has one to four
changes to its keys, types, nesting, cell kinds, metadata, outputs,
attachments, encoding or size. Each change knows whether it can touch an
answer or the grading (``intact`` is False once one does); whether the result
is still a well-formed notebook (``valid``) is decided by nbformat's own
validator, not by the change.
"""
import copy
import json
import math
import os
import warnings
from dataclasses import dataclass

import nbformat
from hypothesis import HealthCheck, settings, strategies as st

from autograder import demo
from autograder.intake import repair

BASE = json.loads((demo.FIXTURES / "submissions" / "correct_elbo.ipynb").read_text())
PLAIN_MARKDOWN = [i for i, c in enumerate(BASE["cells"]) if c["cell_type"] == "markdown" and "nbgrader" not in c["metadata"]]
PLAIN_CODE = [i for i, c in enumerate(BASE["cells"]) if c["cell_type"] == "code" and "nbgrader" not in c["metadata"]]
GRADED = [i for i, c in enumerate(BASE["cells"]) if "nbgrader" in c["metadata"]]
CODE = [i for i, c in enumerate(BASE["cells"]) if c["cell_type"] == "code"]
ANY_CELL = list(range(len(BASE["cells"])))
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
VALID_OUTPUTS = [
    {"output_type": "stream", "name": "stdout", "text": ["a line\n", "another\n"]},
    {"output_type": "display_data", "data": {"image/png": PNG, "text/plain": ["<Figure>"]}, "metadata": {}},
    {"output_type": "execute_result", "data": {"text/plain": "42", "application/json": {"a": [1, None]}},
     "metadata": {"isolated": True}, "execution_count": 7},
    {"output_type": "error", "ename": "ValueError", "evalue": "bad", "traceback": ["Traceback", "ValueError: bad"]},
]

junk = st.recursive(st.none() | st.booleans() | st.integers(-10**9, 10**9) | st.floats(allow_nan=False)
                    | st.text(max_size=12), lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)
not_a_dict = junk.filter(lambda v: not isinstance(v, dict))
not_a_list = junk.filter(lambda v: not isinstance(v, list))
not_a_string = junk.filter(lambda v: not isinstance(v, str))


@dataclass
class Odd:
    """One submission: its bytes, what was done to it, whether its answers are intact and it is well formed."""

    data: bytes
    changes: list
    intact: bool
    valid: bool

    def __repr__(self):
        return f"Odd({len(self.data):,} bytes, changes={self.changes!r}, intact={self.intact}, valid={self.valid})"

    def _repr_pretty_(self, printer, cycle):
        printer.text(repr(self))


class _Draft:
    """A notebook being changed: the dict, what was done, whether it touched an answer, the bytes' own faults."""

    def __init__(self):
        self.nb, self.changes, self.intact, self.byte_faults, self.insertions = copy.deepcopy(BASE), [], True, [], []

    def did(self, text, intact=True):
        self.changes.append(text)
        self.intact &= intact

    def metadata(self):
        """The notebook's metadata, when it is still a dict."""
        value = self.nb.get("metadata")
        return value if isinstance(value, dict) else None


def _cell(draw, draft, among):
    """A cell of the draft that started as one of ``among`` (indices of BASE), if it is still a dict there."""
    index = draw(st.sampled_from(among))
    cell = draft.nb["cells"][index] if isinstance(draft.nb.get("cells"), list) and index < len(draft.nb["cells"]) \
        else None
    return index, cell if isinstance(cell, dict) else None


# Changes that leave answers and grading alone.

def drop_code_key(draw, draft):
    index, cell = _cell(draw, draft, CODE)
    key = draw(st.sampled_from(["outputs", "execution_count"]))
    if cell is not None and cell.get("cell_type") == "code":
        cell.pop(key, None)
        draft.did(f"cell {index}: no {key}")


def wrong_code_key(draw, draft):
    index, cell = _cell(draw, draft, CODE)
    key = draw(st.sampled_from(["outputs", "execution_count"]))
    value = draw(not_a_list if key == "outputs" else junk)
    if cell is not None:
        cell[key] = value
        draft.did(f"cell {index}: {key} = {value!r}")


def plain_metadata(draw, draft):
    index, cell = _cell(draw, draft, PLAIN_MARKDOWN + PLAIN_CODE)
    if cell is not None:
        if draw(st.booleans()):
            cell.pop("metadata", None)
            draft.did(f"cell {index}: no metadata")
        else:
            cell["metadata"] = draw(not_a_dict)
            draft.did(f"cell {index}: metadata = {cell['metadata']!r}")


def metadata_field(draw, draft):
    index, cell = _cell(draw, draft, ANY_CELL)
    key = draw(st.sampled_from(["collapsed", "scrolled", "deletable", "editable", "name", "tags", "jupyter",
                                "execution", "format", "free-form"]))
    value = draw(junk | st.just([]) | st.just(["a,b"]) | st.just(["x", "x"]) | st.just(""))
    if cell is not None and isinstance(cell.get("metadata"), dict):
        cell["metadata"][key] = value
        draft.did(f"cell {index}: metadata[{key!r}] = {value!r}")


def notebook_metadata(draw, draft):
    key = draw(st.sampled_from(["kernelspec", "language_info", "title", "authors", "orig_nbformat", "widgets", "x"]))
    value = draw(junk | st.just({"name": "python3"}) | st.just({"display_name": 3, "name": "python3"}))
    metadata = draft.metadata()
    if metadata is None:
        return
    if draw(st.booleans()) and key in metadata:
        del metadata[key]
        draft.did(f"notebook metadata: no {key}")
    else:
        metadata[key] = value
        draft.did(f"notebook metadata[{key!r}] = {value!r}")


def notebook_metadata_type(draw, draft):
    value = draw(not_a_dict)
    draft.nb["metadata"] = value
    draft.did(f"notebook metadata = {value!r}")


def version(draw, draft):
    key = draw(st.sampled_from(["nbformat", "nbformat_minor"]))
    value = draw(st.sampled_from(["4", 4.0, 5, None, -1, 6, 99, "5", 0, 4]) | st.integers(6, 10**6))
    if value is None and draw(st.booleans()):
        draft.nb.pop(key, None)
        draft.did(f"no {key}")
        return
    if key == "nbformat_minor" and type(value) is int and 0 <= value < 5:
        for cell in draft.nb["cells"] if isinstance(draft.nb.get("cells"), list) else []:
            if isinstance(cell, dict):
                cell.pop("id", None)  # an older minor version has no cell ids
    draft.nb[key] = value
    draft.did(f"{key} = {value!r}")


def extra_key(draw, draft):
    where = draw(st.sampled_from(["notebook", "cell", "output"]))
    name = draw(st.text(min_size=1, max_size=8).filter(lambda k: k not in ("cells", "metadata", "nbformat",
                                                                           "nbformat_minor", "worksheets")))
    value = draw(junk)
    if where == "notebook":
        draft.nb[name] = value
        draft.did(f"notebook[{name!r}] = {value!r}")
        return
    index, cell = _cell(draw, draft, CODE if where == "output" else ANY_CELL)
    if cell is None:
        return
    if where == "cell" and name not in ("id", "cell_type", "metadata", "source", "outputs", "execution_count",
                                        "attachments"):
        cell[name] = value
        draft.did(f"cell {index}[{name!r}] = {value!r}")
    elif where == "output" and isinstance(cell.get("outputs"), list):
        cell["outputs"].append({**VALID_OUTPUTS[0], name: value})
        draft.did(f"cell {index}: an output with {name!r}")


def markdown_kind(draw, draft):
    index, cell = _cell(draw, draft, PLAIN_MARKDOWN)
    value = draw(st.sampled_from(["heading", "Markdown", "", "unknown", None, 3, ["markdown"]]))
    if cell is not None:
        cell["cell_type"] = value
        draft.did(f"cell {index}: cell_type = {value!r}")


def markdown_source(draw, draft):
    index, cell = _cell(draw, draft, PLAIN_MARKDOWN)
    value = draw(not_a_string | st.just(["a", 3]))
    if cell is not None:
        cell["source"] = value
        draft.did(f"cell {index}: source = {value!r}")


def cell_id(draw, draft):
    index, cell = _cell(draw, draft, ANY_CELL)
    value = draw(st.sampled_from(["", "bad id!", "x" * 65, 17, None, "dup"]) | junk)
    if cell is not None:
        if value == "dup":
            other = draft.nb["cells"][draw(st.sampled_from(ANY_CELL))]
            value = other.get("id") if isinstance(other, dict) else "dup"
        cell["id"] = value
        draft.did(f"cell {index}: id = {value!r}")


def outputs(draw, draft):
    index, cell = _cell(draw, draft, CODE)
    valid = draw(st.booleans())
    output = draw(st.sampled_from(VALID_OUTPUTS)) if valid else draw(st.sampled_from([
        {}, {"output_type": "stream"}, {"output_type": "stream", "name": 1, "text": "x"},
        {"output_type": "display_data", "data": ["image/png"], "metadata": {}},
        {"output_type": "execute_result", "data": {}, "metadata": {}, "execution_count": "1"},
        {"output_type": "error", "ename": "E", "evalue": "v", "traceback": "not a list"},
        {"output_type": "widget", "data": {}}, {"output_type": "display_data", "data": {"text/plain": 5},
                                                 "metadata": {}}]) | junk)
    if cell is not None and isinstance(cell.get("outputs"), list):
        cell["outputs"].append(copy.deepcopy(output))
        draft.did(f"cell {index}: output {json.dumps(output)[:60]}")


def attachments(draw, draft):
    index, cell = _cell(draw, draft, PLAIN_MARKDOWN)
    value = draw(st.sampled_from([{"a.png": {"image/png": PNG}}, {"a.png": {"image/png": 5}}, {"a.png": "x"},
                                  ["a.png"], {"a.png": {"image/png": [PNG]}}]) | junk)
    if cell is not None:
        cell["attachments"] = copy.deepcopy(value)
        draft.did(f"cell {index}: attachments = {json.dumps(value)[:60]}")


def not_a_cell(draw, draft):
    value = draw(not_a_dict)
    position = draw(st.integers(0, len(BASE["cells"])))
    draft.insertions.append((position, value))  # when the bytes are written: the indices of BASE stay true
    draft.did(f"cells[{position}] = {value!r}")


def deep(draw, draft):
    depth = draw(st.integers(1, 400))
    value = []
    for _ in range(depth):
        value = [value]
    if draw(st.booleans()):
        if draft.metadata() is not None:
            draft.metadata()["deep"] = value
            draft.did(f"notebook metadata nested {depth} deep")
    else:
        index, cell = _cell(draw, draft, ANY_CELL)
        if cell is not None and isinstance(cell.get("metadata"), dict):
            cell["metadata"]["deep"] = value
            draft.did(f"cell {index}: metadata nested {depth} deep")


def size(draw, draft):
    if draw(st.booleans()):
        count = draw(st.integers(1, 300))
        if isinstance(draft.nb.get("cells"), list):
            draft.nb["cells"] += [{"cell_type": "markdown", "id": f"extra-{n}", "metadata": {}, "source": ""}
                                  for n in range(count)]
            draft.did(f"{count} empty cells added")
    else:
        length = draw(st.integers(10**4, 10**6))
        if draft.metadata() is not None:
            draft.metadata()["big"] = "x" * length
            draft.did(f"a metadata string of {length:,} characters")


def lines(draw, draft):
    index, cell = _cell(draw, draft, ANY_CELL)
    if cell is not None and isinstance(cell.get("source"), str):
        cell["source"] = cell["source"].splitlines(keepends=True)
        draft.did(f"cell {index}: source as a list of lines")


def text_faults(draw, draft):
    fault = draw(st.sampled_from(["nan", "surrogate", "bom", "utf-16", "bad-utf-8"]))
    if fault == "nan":
        if draft.metadata() is None:
            return
        draft.metadata()["score"] = draw(st.sampled_from([math.nan, math.inf, -math.inf]))
    elif fault == "surrogate":
        index, cell = _cell(draw, draft, PLAIN_MARKDOWN)
        if cell is None or not isinstance(cell.get("source"), str):
            return
        cell["source"] += "\ud800"
    draft.byte_faults.append(fault)
    draft.did(f"text: {fault}")


def older_format(draw, draft):
    """The notebook as nbformat writes it in version 3 (always the last change: an odd notebook of format 3
    that nbformat cannot convert is refused)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            draft.nb = json.loads(json.dumps(nbformat.convert(nbformat.from_dict(draft.nb), 3)))
        except Exception:  # noqa: BLE001 - only well-formed drafts convert
            return
    draft.did("written as format 3", intact=len(draft.changes) == 0)


SAFE = [drop_code_key, wrong_code_key, plain_metadata, metadata_field, notebook_metadata, notebook_metadata_type,
        version, extra_key, markdown_kind, markdown_source, cell_id, outputs, attachments, not_a_cell, deep, size,
        lines, text_faults, older_format]


# Changes that may touch an answer or the grading.

def drop_cell(draw, draft):
    index, cell = _cell(draw, draft, GRADED + PLAIN_CODE)
    if cell is not None:
        draft.nb["cells"][index] = {"cell_type": "markdown", "metadata": {}, "source": "", "id": f"gone-{index}"}
        draft.did(f"cell {index} emptied", intact=False)


def graded_metadata(draw, draft):
    index, cell = _cell(draw, draft, GRADED)
    value = draw(junk)
    if cell is not None:
        if draw(st.booleans()) or not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = value
        else:
            cell["metadata"]["nbgrader"] = value
        draft.did(f"cell {index}: grading metadata = {value!r}", intact=False)


def code_source(draw, draft):
    index, cell = _cell(draw, draft, CODE)
    value = draw(not_a_string)
    if cell is not None:
        cell["source"] = value
        draft.did(f"cell {index}: source = {value!r}", intact=False)


def code_kind(draw, draft):
    index, cell = _cell(draw, draft, CODE)
    value = draw(st.sampled_from(["markdown", "raw", "heading", None, 5]))
    if cell is not None:
        cell["cell_type"] = value
        if value is None:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
        draft.did(f"cell {index}: cell_type = {value!r}", intact=False)


def cells(draw, draft):
    value = draw(not_a_list | st.just({"0": BASE["cells"][0]}))
    draft.nb["cells"] = value
    draft.did(f"cells = {json.dumps(value)[:60]}", intact=False)


def shuffle(draw, draft):
    if isinstance(draft.nb.get("cells"), list):
        draft.nb["cells"] = draw(st.permutations(draft.nb["cells"]))
        draft.did("cells shuffled", intact=False)


DAMAGING = [drop_cell, graded_metadata, code_source, code_kind, cells, shuffle]


def _bytes(draft):
    """The draft as a tool would write it, with the entries inserted into its cells and its byte-level faults."""
    if isinstance(draft.nb.get("cells"), list):
        for position, value in sorted(draft.insertions, key=lambda item: -item[0]):
            draft.nb["cells"].insert(position, value)
    text = json.dumps(draft.nb, indent=1, ensure_ascii="surrogate" in draft.byte_faults, allow_nan=True)
    if "bom" in draft.byte_faults:
        return b"\xef\xbb\xbf" + text.encode()
    if "utf-16" in draft.byte_faults:
        return text.encode("utf-16")
    if "bad-utf-8" in draft.byte_faults and PLAIN_MARKDOWN:
        return text.encode().replace(b'"cell_type": "markdown"', b'"cell_type": "markdown", "x": "\xff\xfe"', 1)
    return text.encode()


def well_formed(data):
    """Whether ``data`` is a notebook nbformat reads as it is: UTF-8 JSON, no NaN, no lone surrogate, version 4.x
    (x at most nbformat's own), valid under its schema, cell ids unique."""
    try:
        text = data.decode("utf-8")
        raw = json.loads(text, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
        text.encode("utf-8")
        json.dumps(raw, ensure_ascii=False).encode("utf-8")
    except (UnicodeError, ValueError, RecursionError):
        return False
    if not isinstance(raw, dict) or type(raw.get("nbformat")) is not int or raw["nbformat"] != 4 \
            or type(raw.get("nbformat_minor")) is not int or not 0 <= raw["nbformat_minor"] <= 5:
        return False
    try:
        errors = list(nbformat.validator.iter_validate(raw))
    except Exception:  # noqa: BLE001 - the validator itself fails on some shapes: not well formed
        return False
    if errors or not isinstance(raw.get("cells"), list):
        return False
    ids = [c.get("id") for c in raw["cells"] if isinstance(c, dict) and "id" in c]
    return len(ids) == len(set(ids)) and not _too_deep(raw)


def _depth(value):
    """Levels of lists and objects in ``value`` (0 for a plain value)."""
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


def _too_deep(raw):
    """Whether a metadata field, an output or the attachments nest deeper than the grader reads (its rule)."""
    parts = list(raw["metadata"].values())
    for cell in raw["cells"]:
        parts += list(cell["metadata"].values()) + cell.get("outputs", []) + [cell.get("attachments", {})]
    return any(_depth(part) > repair.MAX_DEPTH for part in parts)


@st.composite
def odd_notebooks(draw, damaging=True):
    """An Odd: the correct submission of 01 with one to four changes."""
    draft = _Draft()
    changes = SAFE + (DAMAGING if damaging else [])
    for change in sorted(draw(st.lists(st.sampled_from(changes), min_size=1, max_size=4)),
                         key=lambda change: change is older_format):
        change(draw, draft)
    data = _bytes(draft)
    return Odd(data, draft.changes, draft.intact, not draft.byte_faults and well_formed(data))


@st.composite
def unreadable_files(draw):
    """Bytes that are no notebook at all: cut short, not JSON, JSON of another kind."""
    whole = json.dumps(BASE).encode()
    return draw(st.sampled_from([b"", b"{", whole[:len(whole) // 2], b"[]", b"null", b"42", b'"notebook"',
                                 b"\x00\x01\x02", b'{"cells": {}}', b'{"nbformat": 3, "worksheets": 5}',
                                 b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}'])
                | st.binary(max_size=200))


FUZZING = os.environ.get("AUTOGRADER_FUZZ") == "1"  # `make fuzz`: random seeds, many examples


def fuzz_settings(in_tests, fuzzing):
    """Hypothesis settings: ``in_tests`` examples from a fixed seed in the test suite, ``fuzzing`` random ones
    under ``make fuzz``."""
    return settings(max_examples=fuzzing if FUZZING else in_tests, derandomize=not FUZZING, database=None,
                    deadline=None, print_blob=True, suppress_health_check=list(HealthCheck))

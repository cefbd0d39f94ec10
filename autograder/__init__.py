"""Grading a class with nbgrader: import, sandboxed autograding, feedback, grade tables."""

import os as _os
import sys as _sys

# nbgrader's Gradebook runs the `alembic` script of its environment, found on PATH: put this
# environment's scripts first, also when it is used without activating the virtual environment.
_bin = _os.path.dirname(_sys.executable)
if _os.environ.get("PATH", "").split(_os.pathsep)[0] != _bin:
    _os.environ["PATH"] = _os.pathsep.join([_bin, _os.environ.get("PATH", "")])

# jsonschema (which nbformat imports) loads rfc3987_syntax when it is installed, as jupyter-events asks, and
# compiles its 38 grammars at once: about 1.7 s of CPU in every grading process and nbgrader command, for
# IRI format checks that nothing here asks for (nbformat and nbgrader validate without formats). Without the
# module, jsonschema simply has no such check.
_sys.modules.setdefault("rfc3987_syntax", None)

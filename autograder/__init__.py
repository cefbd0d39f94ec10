"""Grading a class with nbgrader: import, sandboxed autograding, feedback, grade tables."""

import os as _os
import sys as _sys

# nbgrader's Gradebook runs the `alembic` script of its environment, found on PATH: put this
# environment's scripts first, also when it is used without activating the virtual environment.
_bin = _os.path.dirname(_sys.executable)
if _os.environ.get("PATH", "").split(_os.pathsep)[0] != _bin:
    _os.environ["PATH"] = _os.pathsep.join([_bin, _os.environ.get("PATH", "")])

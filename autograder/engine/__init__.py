"""The engine, on the grader's side of the process boundary: the class's run (``grading``), its Dask
cluster (``cluster``) and workers (``worker``), nbgrader's commands (``nbgrader_cli``) and the preprocessors
that run a notebook's own cells in its kernel and its tests in the judge (``preprocessors``). Grading limits
and their defaults live in ``options``."""

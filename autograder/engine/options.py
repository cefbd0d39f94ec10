"""How a class is graded: where, with which limits, in which sandbox. Every default is written here once;
the command line, the course's nbgrader config and the workers read it from here."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    """How to grade: where, limits, sandbox."""

    workers: int = 2  # worker processes of the embedded cluster
    notebook_timeout: int = 1200  # seconds for a whole notebook
    cell_timeout: int = 300  # seconds for one cell
    memory_limit_mb: int = 6144  # memory of one notebook's processes together (and address space of each)
    max_processes: int = 256  # processes and threads of one notebook together
    sandbox: bool = True
    allow_weaker_sandbox: bool = False  # grade on workers without cgroups (per-process limits only)
    scheduler: str | None = None  # address of an existing Dask scheduler, e.g. tcp://host:8786
    scheduler_file: str | None = None  # or its scheduler file

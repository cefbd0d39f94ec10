"""How a class is graded: where, with which limits, in which sandbox. Every setting is declared here once,
with its default, its description and its command-line flag; ``python -m autograder``, the course's nbgrader
config and the workers read them from here."""

import argparse
from dataclasses import dataclass, field, fields


def _setting(default, description, flag=None, group=None):
    """A field of Options: ``flag`` is its command-line option (``--`` and its name by default; for a
    setting that is on by default, the flag that turns it off), ``group`` makes settings exclusive."""
    return field(default=default, metadata={"description": description, "flag": flag, "group": group})


@dataclass(frozen=True)
class Options:
    """How to grade: where, limits, sandbox."""

    workers: int = _setting(2, "worker processes of the embedded Dask cluster (notebooks graded at once)")
    notebook_timeout: int = _setting(1200, "seconds allowed for a whole notebook", flag="--timeout")
    cell_timeout: int = _setting(300, "seconds allowed for one cell (it is interrupted, the rest still runs)")
    memory_limit_mb: int = _setting(6144, "memory of one notebook's processes together (and address space of "
                                          "each), MiB", flag="--memory-mb")
    max_processes: int = _setting(256, "processes and threads of one notebook together")
    sandbox: bool = _setting(True, "run student code without the sandbox (trusted notebooks only)",
                             flag="--no-sandbox")
    allow_weaker_sandbox: bool = _setting(False, "let workers without cgroups grade (memory and processes "
                                                 "limited per process only)")
    scheduler: str | None = _setting(None, "grade on an existing Dask cluster: its scheduler's address "
                                           "(tcp://host:8786); --workers is then ignored", group="cluster")
    scheduler_file: str | None = _setting(None, "grade on an existing Dask cluster: its scheduler file",
                                          group="cluster")


def _flag(setting):
    return setting.metadata["flag"] or "--" + setting.name.replace("_", "-")


def add_arguments(parser, defaults=Options()):
    """One command-line option per setting, with ``defaults`` shown as the defaults."""
    groups = {}
    for setting in fields(Options):
        group = setting.metadata["group"]
        if group and group not in groups:
            groups[group] = parser.add_mutually_exclusive_group()
        target = groups[group] if group else parser
        default = getattr(defaults, setting.name)
        if setting.type is bool:
            target.add_argument(_flag(setting), dest=setting.name, default=default,
                                help=setting.metadata["description"],
                                action="store_false" if setting.default else "store_true")
        else:
            target.add_argument(_flag(setting), dest=setting.name, type=int if setting.type is int else str,
                                metavar=_flag(setting)[2:].upper().replace("-", "_"),
                                default=default,
                                help=setting.metadata["description"] + (f" (default: {default})" if default else ""))


def from_arguments(args: argparse.Namespace):
    """The Options that ``add_arguments``' options were given."""
    return Options(**{setting.name: getattr(args, setting.name) for setting in fields(Options)})


def command_line(options, defaults=Options()):
    """The command-line options that give ``options`` to a command whose defaults are ``defaults``."""
    words = []
    for setting in fields(Options):
        value = getattr(options, setting.name)
        if value != getattr(defaults, setting.name):
            words += [_flag(setting)] if setting.type is bool else [_flag(setting), str(value)]
    return words

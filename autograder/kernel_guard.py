"""Code that runs inside the grading kernel (sent as text; it imports nothing of ours).

``snapshot()`` runs before any notebook cell and records what the tests rely
on: the contents of numpy, numpy.testing, math, builtins, tensorflow and the
course helpers, IPython's hooks, and (cell by cell) the modules that read-only
cells import into the namespace. ``restore()`` runs before each test cell,
puts back whatever code in the notebook replaced, and returns what it restored.
"""

import importlib
import importlib.util
import pkgutil
import sys
from types import ModuleType

GUARDED_MODULES = ("builtins", "math", "numpy", "numpy.testing", "tensorflow", "course")
SHELL_HOOKS = ("showtraceback", "showsyntaxerror", "run_cell", "run_cell_async",
               "run_ast_nodes", "run_code", "transform_cell", "should_run_async")
KERNEL_REBINDS = {"input", "raw_input", "getpass", "get_ipython"}  # ipykernel sets these per request
SHELL_LISTS = ("input_transformers_cleanup", "input_transformers_post", "ast_transformers")

_modules = {}
_module_dicts = {}
_shell_lists = {}
_custom_exc = None
_instructor_names = {}
_names_before = {}


def _shell():
    return sys.modules["IPython"].get_ipython()


def snapshot():
    """Record modules, shell hooks and interpreter hooks as they are now."""
    global _custom_exc
    for name in GUARDED_MODULES:
        if importlib.util.find_spec(name.split(".")[0]):
            importlib.import_module(name)
    if "course" in sys.modules:
        for info in pkgutil.iter_modules(sys.modules["course"].__path__):
            importlib.import_module(f"course.{info.name}")
    names = [n for n in GUARDED_MODULES if n in sys.modules]
    for name in names + sorted(n for n in sys.modules if n.startswith("course.")):
        module = sys.modules[name]
        _modules[name] = module
        _module_dicts[name] = {k: v for k, v in vars(module).items() if not k.startswith("_")
                               and k not in KERNEL_REBINDS and not isinstance(v, ModuleType)}
    shell = _shell()
    for name in SHELL_LISTS:
        _shell_lists[name] = list(getattr(shell, name))
    _custom_exc = (shell.custom_exceptions, shell.CustomTB)


def begin_instructor_cell():
    """Called before a read-only cell: remember the namespace as it is."""
    _names_before.clear()
    _names_before.update({k: id(v) for k, v in _shell().user_ns.items()})


def end_instructor_cell():
    """Called after a read-only cell: the modules it imported (``np``, ``checks``) are the instructor's."""
    for key, value in _shell().user_ns.items():
        if isinstance(value, ModuleType) and not key.startswith("_") and _names_before.get(key) != id(value):
            _instructor_names[key] = value


def restore():
    """Undo tampering with what the tests use; return a list of what was restored."""
    restored = []
    for name, module in _modules.items():
        if sys.modules.get(name) is not module:
            sys.modules[name] = module
            restored.append(f"sys.modules[{name!r}]")
        current = vars(module)
        for key, value in _module_dicts[name].items():
            if current.get(key, restored) is not value:
                setattr(module, key, value)
                restored.append(f"{name}.{key}")
    shell = _shell()
    for key, value in _instructor_names.items():
        if shell.user_ns.get(key, restored) is not value:
            shell.user_ns[key] = value
            restored.append(key)
    for name in SHELL_HOOKS:
        if name in vars(shell):
            delattr(shell, name)
            restored.append(f"IPython shell.{name}")
    for name, items in _shell_lists.items():
        if getattr(shell, name) != items:
            getattr(shell, name)[:] = items
            restored.append(f"IPython {name}")
    if (shell.custom_exceptions, shell.CustomTB) != _custom_exc:
        shell.custom_exceptions, shell.CustomTB = _custom_exc
        restored.append("IPython custom exception handler")
    if sys.gettrace() is not None or sys.getprofile() is not None:
        sys.settrace(None)
        sys.setprofile(None)
        restored.append("sys.settrace/sys.setprofile")
    return restored

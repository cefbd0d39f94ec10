"""A detector that runs inside the grading kernel (sent as text; it imports nothing of ours).

No grade rests on it: the tests run in the judge, outside the kernel
(``autograder.judge``), and whatever the notebook does to its own process
changes no verdict. It only finds tampering, for a person's review.
``snapshot()`` runs before any notebook cell and records what the notebook's
code should not need to replace: ``sys.modules``; the contents of numpy, numpy.testing, math, builtins,
tensorflow and the course helpers (module-valued attributes and the code of
their functions included); the interpreter's hooks (import system, trace and
profile functions, signal handlers and timers, garbage
collector callbacks, audit hooks); the IPython shell and the kernel object
(their classes, their methods, their message handlers, event callbacks and
input transformers); and, cell by cell, the modules that read-only cells
import into the namespace. ``changes()`` returns what the notebook's code has
replaced since, without undoing anything, and what cannot be seen as a
replacement: a thread or timer that runs the notebook's code, or an attempt to
add an audit hook. The grader calls it at each test cell.
"""

import gc
import importlib
import importlib.util
import pkgutil
import signal
import sys
import threading
from types import FunctionType, ModuleType

GUARDED_MODULES = ("builtins", "math", "numpy", "numpy.testing", "tensorflow", "course")
BUILTIN_DUNDERS = ("__import__", "__build_class__")
KERNEL_REBINDS = {"input", "raw_input", "getpass", "get_ipython"}  # ipykernel sets these per request
SHELL_LISTS = ("input_transformers_cleanup", "input_transformers_post", "ast_transformers")
HANDLER_DICTS = ("shell_handlers", "control_handlers")
FUNCTION_PARTS = ("__code__", "__defaults__", "__kwdefaults__")
SYS_LISTS = ("meta_path", "path_hooks")
TIMERS = ("ITIMER_REAL", "ITIMER_VIRTUAL", "ITIMER_PROF")

_state = {}
_modules = {}
_module_dicts = {}
_functions = {}
_instructor_names = {}
_names_before = {}
_alarms = []


def _shell():
    return sys.modules["IPython"].get_ipython()


def _audit(event, args):
    """Note new audit hooks."""
    if event == "sys.addaudithook":
        _alarms.append("an audit hook (sys.addaudithook)")


def _guarded_objects():
    """(label, object) of the kernel-side objects whose classes and methods the guard keeps."""
    shell = _shell()
    found = [("IPython shell", shell), ("IPython display hook", shell.displayhook),
             ("IPython display publisher", shell.display_pub), ("IPython events", shell.events)]
    kernel = getattr(shell, "kernel", None)
    if kernel is not None:
        found += [("kernel", kernel), ("kernel session", kernel.session)]
    return found


def _own_classes(obj):
    return [cls for cls in type(obj).__mro__
            if cls.__module__.split(".")[0] in ("IPython", "ipykernel", "jupyter_client")]


def _shadowing(obj):
    """Instance attributes that hide a method of the object's class."""
    return {key for key, value in vars(obj).items() if callable(getattr(type(obj), key, None))
            and not isinstance(value, type)}


def _cell_file_prefix():
    compiler = _shell().compile
    name = compiler.get_code_name("", "", 0) if hasattr(compiler, "get_code_name") else "<ipython-input"
    return name.rsplit("/", 1)[0] + "/" if "/" in name else "<ipython-input"


def _plain_module(value):
    return type(value) is ModuleType


def _from_notebook(value):
    """Whether ``value`` is (or wraps) code written in a notebook cell."""
    for candidate in (value, getattr(value, "__func__", None), getattr(value, "func", None),
                      getattr(type(value), "__call__", None)):
        code = getattr(candidate, "__code__", None)
        if code is not None and code.co_filename.startswith(_state["cell_prefix"]):
            return True
    return False


def _check_list(items, snapshot, label, found):
    """Note what the notebook's code added to, or removed from, a list that libraries may also extend."""
    added = [item for item in items if item not in snapshot and _from_notebook(item)]
    if added or any(item not in items for item in snapshot):
        found.append(label)


def _callable_entry(value):
    return callable(value) or isinstance(value, (property, staticmethod, classmethod))


def snapshot():
    """Record modules, shell, kernel and interpreter hooks as they are now."""
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
        _module_dicts[name] = {k: v for k, v in vars(module).items()
                               if (not k.startswith("_") or (name == "builtins" and k in BUILTIN_DUNDERS))
                               and k not in KERNEL_REBINDS
                               and (not isinstance(v, ModuleType) or _plain_module(v))}
        for key, value in _module_dicts[name].items():
            if isinstance(value, FunctionType):
                _functions[f"{name}.{key}"] = (value, {part: getattr(value, part) for part in FUNCTION_PARTS})
    shell = _shell()
    _state.update(
        sys_modules=dict(sys.modules),
        sys_lists={name: list(getattr(sys, name)) for name in SYS_LISTS},
        sys_streams=(sys.stdout, sys.stderr, sys.stdin),
        signals={s: signal.getsignal(s) for s in signal.valid_signals() if signal.getsignal(s) is not None},
        gc_callbacks=list(gc.callbacks),
        threads=set(sys._current_frames()) | {t.ident for t in threading.enumerate()},
        cell_prefix=_cell_file_prefix(),
        shell_lists={name: list(getattr(shell, name)) for name in SHELL_LISTS},
        events={name: list(callbacks) for name, callbacks in shell.events.callbacks.items()},
        custom_exc=(shell.custom_exceptions, shell.CustomTB),
        objects=[(label, obj, _shadowing(obj), [(cls, dict(vars(cls))) for cls in _own_classes(obj)],
                  {name: dict(getattr(obj, name)) for name in HANDLER_DICTS if isinstance(getattr(obj, name, None), dict)})
                 for label, obj in _guarded_objects()],
        current_frames=sys._current_frames, enumerate=threading.enumerate,
        getitimer=signal.getitimer,
    )
    sys.addaudithook(_audit)


def begin_instructor_cell():
    """Called before a read-only cell: remember the namespace as it is."""
    _names_before.clear()
    _names_before.update({k: id(v) for k, v in _shell().user_ns.items()})


def end_instructor_cell():
    """Called after a read-only cell: the modules it imported (``np``, ``checks``) are the instructor's."""
    for key, value in _shell().user_ns.items():
        if isinstance(value, ModuleType) and not key.startswith("_") and _names_before.get(key) != id(value):
            _instructor_names[key] = value


def _check_interpreter(found):
    found += [f"sys.modules[{name!r}]" for name, module in _state["sys_modules"].items()
              if sys.modules.get(name) is not module]
    for name, items in _state["sys_lists"].items():
        _check_list(getattr(sys, name), items, f"sys.{name}", found)
    if (sys.stdout, sys.stderr, sys.stdin) != _state["sys_streams"]:
        found.append("sys.stdout/stderr/stdin")
    if sys.gettrace() is not None or sys.getprofile() is not None or threading._trace_hook or threading._profile_hook:
        found.append("sys.settrace/sys.setprofile")
    for number, handler in _state["signals"].items():
        now = signal.getsignal(number)
        if now is not handler and (now == signal.SIG_IGN or _from_notebook(now)):
            found.append(f"signal handler {signal.Signals(number).name}")
    found += [f"signal.setitimer({name})" for name in TIMERS if _state["getitimer"](getattr(signal, name)) != (0.0, 0.0)]
    _check_list(gc.callbacks, _state["gc_callbacks"], "gc.callbacks", found)


def _check_modules(found):
    for name, module in _modules.items():
        current = vars(module)
        found += [f"{name}.{key}" for key, value in _module_dicts[name].items() if current.get(key, found) is not value]
    for label, (function, parts) in _functions.items():
        found += [f"{label}.{part}" for part, value in parts.items() if getattr(function, part) is not value]
    user_ns = _shell().user_ns
    found += [key for key, value in _instructor_names.items() if user_ns.get(key, found) is not value]


def _check_kernel(found):
    shell = _shell()
    for label, obj, shadowed, classes, handlers in _state["objects"]:
        found += [f"{label}.{key}" for key in _shadowing(obj) - shadowed]
        for cls, contents in classes:
            current = vars(cls)
            for key in set(current) | set(contents):
                if not (_callable_entry(current.get(key)) or _callable_entry(contents.get(key))):
                    continue  # caches and class-level state change as the kernel runs
                if key not in contents or current.get(key, found) is not contents[key]:
                    found.append(f"{label} class {cls.__name__}.{key}")
        found += [f"{label}.{name}" for name, contents in handlers.items() if getattr(obj, name) != contents]
    found += [f"IPython {name}" for name, items in _state["shell_lists"].items() if getattr(shell, name) != items]
    for name, callbacks in _state["events"].items():
        _check_list(shell.events.callbacks[name], callbacks, f"IPython event callbacks ({name})", found)
    if (shell.custom_exceptions, shell.CustomTB) != _state["custom_exc"]:
        found.append("IPython custom exception handler")


def _runs_notebook_code(thread_id, frame):
    prefix = _state["cell_prefix"]
    while frame is not None:
        if frame.f_code.co_filename.startswith(prefix):
            return True
        frame = frame.f_back
    thread = next((t for t in _state["enumerate"]() if t.ident == thread_id), None)
    target = getattr(thread, "_target", None) or getattr(thread, "function", None)
    code = getattr(target, "__code__", None)
    return code is not None and code.co_filename.startswith(prefix)


def _check_threads(found):
    me = threading.get_ident()
    for thread_id, frame in _state["current_frames"]().items():
        if thread_id != me and thread_id not in _state["threads"] and _runs_notebook_code(thread_id, frame):
            found.append("a thread started by the notebook's code is running")
            return


def changes():
    """What the notebook's code has replaced since ``snapshot()`` (nothing is undone), once per kind."""
    found = list(_alarms)
    _check_interpreter(found)
    _check_modules(found)
    _check_kernel(found)
    _check_threads(found)
    return list(dict.fromkeys(found))

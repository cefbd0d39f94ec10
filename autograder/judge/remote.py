"""The judge's end of the channel: names and objects of the student's kernel, reached by requests.

In the judge's namespace every name a test uses that the judge does not define
itself (the student's functions and classes, objects built in the notebook)
is a ``RemoteName``. Calling one, or a ``RemoteHandle`` to an object that stays
in the kernel, sends one request (``autograder.kernel.agent``) and returns the
answer decoded by the wire: arrays, numbers, tuples, or handles. An error of
the student's code is raised here as a ``KernelError`` of the same name.
"""

import json
from pathlib import Path

from autograder.judge import wire
from autograder.kernel import agent

_INSTALL = (
    "import sys, types\n"
    "wire = types.ModuleType('_autograder_wire')\n"
    "exec(compile({wire!r}, 'autograder_wire', 'exec'), wire.__dict__)\n"
    "agent = types.ModuleType('_autograder_agent')\n"
    "agent.wire = wire\n"
    "exec(compile({agent!r}, 'autograder_agent', 'exec'), agent.__dict__)\n"
    "sys.modules['_autograder_agent'] = agent\n"
).format(wire=Path(wire.__file__).read_text(), agent=Path(agent.__file__).read_text())
INSTALL = f"__import__('builtins').exec({_INSTALL!r}, {{}})"  # in a namespace of its own: the notebook's is left as it is
SERVE = "__import__('sys').modules['_autograder_agent'].serve()"
STOPPING = ("KeyboardInterrupt", "SystemExit")  # what the kernel reports for an interrupted or exiting request


class KernelError(Exception):
    """An error the student's code raised in the kernel, under its own name (a subclass per name)."""

    ename = "KernelError"


def kernel_error(name, message):
    """A KernelError whose class is named ``name`` (a Python identifier; anything else is called KernelError)."""
    name = name if isinstance(name, str) and name.isidentifier() and len(name) <= 80 else "KernelError"
    return type(name, (KernelError,), {"ename": name})(message if isinstance(message, str) else "")


class Channel:
    """Requests to one kernel. ``exchange(code, request=None)`` runs ``code`` there, with the JSON text
    ``request`` in its message's metadata (``agent.REQUEST``), and returns its outputs (nbformat outputs);
    ``sources`` maps each name the submission defines to the text of its definition; ``given(value)`` is how
    an object of the judge's given code goes as an argument (a tagged form), or None."""

    def __init__(self, exchange, sources, given=lambda value: None):
        self.exchange, self.sources, self.given = exchange, sources, given

    def request(self, op, target, args=(), kwargs=None, **fields):
        """Send one request; the decoded answer."""
        text = json.dumps({"op": op, "target": target, "args": self.encode(list(args)),
                           "kwargs": self.encode(dict(kwargs or {})), **fields}, allow_nan=True)
        for attempt in range(2):
            outputs = self.exchange(SERVE, text)
            answers = [o for o in outputs if o.get("output_type") == "display_data" and agent.MIME in o.get("data", {})]
            errors = [o for o in outputs if o.get("output_type") == "error"]
            if answers:
                return self._answer(answers[-1]["data"][agent.MIME])
            if attempt == 0 and not any(e.get("ename") in STOPPING for e in errors):
                self.exchange(INSTALL)  # the notebook removed or broke the kernel's side: put it back once
                continue
            error = errors[0] if errors else {}
            raise kernel_error(error.get("ename"), error.get("evalue", "the kernel gave no answer"))

    def encode(self, value):
        """The plain form of an argument."""
        return wire.encode(value, self._tag)

    def _tag(self, value):
        if isinstance(value, (RemoteName, RemoteHandle)):
            return value.tagged
        return self.given(value)

    def _answer(self, text):
        try:
            answer = json.loads(text) if isinstance(text, str) else None
            if not isinstance(answer, dict) or len(answer) != 1:
                raise wire.WireError("an answer that is neither ok nor error")
            if "error" in answer:
                error = answer["error"] if isinstance(answer["error"], dict) else {}
                raise kernel_error(error.get("type"), error.get("message"))
            return wire.decode(answer["ok"], self._handle, _tensor)
        except (wire.WireError, KeyError, ValueError, RecursionError) as error:
            raise kernel_error("AnswerError", f"the kernel's answer is not plain values ({error})") from None

    def _handle(self, tagged):
        if set(tagged) != {"handle", "type"} or type(tagged["handle"]) is not int or not isinstance(tagged["type"], str):
            raise wire.WireError("a name or a malformed handle in an answer")
        return RemoteHandle(self, tagged["handle"], tagged["type"][:80])


def _tensor(array):
    import tensorflow as tf
    return tf.constant(array)


class _Remote:
    """What a name or a handle of the kernel can do here: be called, give attributes, be asked for a helper."""

    def __call__(self, *args, **kwargs):
        return self.channel.request("call", self.tagged, args, kwargs)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self.channel.request("getattr", self.tagged, name=name)

    def __judged__(self, helper, *args, **kwargs):
        if helper == "source":
            return self._source()
        return self.channel.request("helper", self.tagged, args, kwargs, helper=helper)

    def __array__(self, *args, **kwargs):
        raise TypeError(f"the answer is {self!r}, not a number or an array")

    def __bool__(self):
        raise TypeError(f"the answer is {self!r}, not true or false")


class RemoteName(_Remote):
    """A name in the student's kernel."""

    def __init__(self, channel, name):
        self.channel, self.name, self.tagged = channel, name, {"name": name}

    def _source(self):
        found = self.channel.sources.get(self.name)
        if found is None:
            raise kernel_error("NameError", f"the submission does not define {self.name}")
        return found

    def __repr__(self):
        return f"<{self.name} in the student's kernel>"


class RemoteHandle(_Remote):
    """An object that stays in the student's kernel (an instance, a compiled function, a model)."""

    def __init__(self, channel, number, type_name):
        self.channel, self.tagged, self.type_name = channel, {"handle": number}, type_name

    def _source(self):
        raise kernel_error("TypeError", f"{self!r} has no source the grader can read")

    def __repr__(self):
        return f"<a {self.type_name} object in the student's kernel>"


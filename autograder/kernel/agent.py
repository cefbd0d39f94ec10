"""The kernel's side of the judge's channel: answers requests with plain values (sent to the kernel as text).

It runs in the student's process, so nothing it does is trusted: whatever it
sends back counts only as the student's answer to the request. The installer
(``autograder.judge.remote.INSTALL``) runs it in a module of its own, with the
wire (``autograder.judge.wire``) as the global ``wire``. A request is a JSON
object: ``call`` a name or handle with arguments; ``helper``: call
``course.checks.<helper>`` (a gradient, a compiled function, repeated draws)
on it, as the test would in the student's own kernel; ``getattr`` of a handle. Arguments
may name objects of the notebook's namespace, or be instances of its given
classes, made again here from their attributes. A request comes as JSON text
in the metadata of the cell's execute_request (key ``REQUEST``), not in its
code, which IPython would have to read through. The answer,
``{"ok": value}`` or ``{"error": {"type", "message"}}`` as JSON text, is
published as display data of type ``MIME``.
"""

import json

MIME = "application/x-autograder-answer"
REQUEST = "autograder_request"
HELPERS = ("gradient", "compiled", "weights", "train_steps", "with_optimizer", "draws")
_objects = {}


def _handle(value):
    """The number of an object that stays here."""
    number = len(_objects) + 1
    _objects[number] = value
    return {"handle": number, "type": type(value).__name__[:80]}


def _resolve(tagged):
    """What a tagged argument stands for here: a handle's object, a name's value, or a given class's instance."""
    if "handle" in tagged:
        return _objects[tagged["handle"]]
    from IPython import get_ipython
    namespace = get_ipython().user_ns
    if "name" in tagged:
        return namespace[tagged["name"]]
    cls = namespace[tagged["object"]["class"]]
    made = cls.__new__(cls)
    made.__dict__.update(tagged["object"]["state"])
    return made


def _tensor(array):
    import tensorflow as tf
    return tf.constant(array)


def _answer(request):
    target = _resolve(request["target"])
    args = wire.decode(request.get("args", []), _resolve, _tensor)  # noqa: F821 - given by the installer
    kwargs = wire.decode(request.get("kwargs", {"dict": {}}), _resolve, _tensor)  # noqa: F821
    if request["op"] == "call":
        return target(*args, **kwargs)
    if request["op"] == "helper" and request["helper"] in HELPERS:
        from course import checks
        return getattr(checks, request["helper"])(target, *args, **kwargs)
    if request["op"] == "getattr":
        return getattr(target, request["name"])
    raise ValueError(f"unknown request {request['op']!r}")


def serve():
    """Answer the request of the cell being run by publishing the answer."""
    from IPython import get_ipython
    from IPython.display import publish_display_data

    try:
        text = get_ipython().kernel.get_parent()["metadata"][REQUEST]
        answer = {"ok": wire.encode(_answer(json.loads(text)), _handle)}  # noqa: F821
    except Exception as error:  # noqa: BLE001 - the student's code failed: that is the answer (an interrupt or
        # sys.exit goes on to IPython, which reports it as the cell's error)
        answer = {"error": {"type": type(error).__name__[:80], "message": str(error)[:2000]}}
    publish_display_data({MIME: json.dumps(answer, allow_nan=True)})

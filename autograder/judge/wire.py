"""Plain values across the process boundary: the only form in which anything crosses between judge and kernel.

A value is JSON: null, booleans, numbers (NaN and infinities spelled as JSON
spells them in Python), short strings and lists, and tagged objects:
``{"array": ...}`` (a NumPy array or a TensorFlow tensor: dtype from a short
list, shape, the bytes in base64), ``{"tuple": [...]}``, ``{"dict": {...}}``,
``{"handle": n, "type": name}`` (an object that stays in the kernel, named by a
number), ``{"name": s}`` (a name in the kernel's namespace) and
``{"object": {"class": s, "state": {...}}}`` (an instance of a class of the
notebook's given code, made again from its attributes). Reading checks
every part (kinds, dtypes, sizes, nesting) and never runs code: no pickle, no
object that acts when it is read. This module imports nothing but the standard
library and NumPy, and its source is also what the kernel's side of the channel
runs (``autograder.kernel.agent``).
"""

import base64
import json

DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32",
          "float64")
MAX_DEPTH = 16
MAX_STRING = 10_000
MAX_BYTES = 256 * 2**20


class WireError(ValueError):
    """A message that is not a plain value of this wire."""


def encode(value, handle=None, depth=0):
    """The plain form of ``value``; ``handle(obj)`` gives the number of anything else (None: refuse it)."""
    import numpy as np

    if depth > MAX_DEPTH:
        raise WireError(f"nested more than {MAX_DEPTH} levels")
    if value is None or isinstance(value, (bool, int, float, str)):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
            raise WireError("an integer too large for 64 bits")
        return value
    tensor = type(value).__module__.startswith("tensorflow") and hasattr(value, "numpy")
    if tensor or isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value.numpy() if tensor else value)
        if array.dtype.name not in DTYPES:
            raise WireError(f"an array of dtype {array.dtype}")
        data = np.ascontiguousarray(array).tobytes()
        return {"array": {"dtype": array.dtype.name, "shape": list(array.shape), "tensor": tensor,
                          "scalar": isinstance(value, np.generic),
                          "data": base64.b64encode(data).decode("ascii")}}
    if isinstance(value, tuple):
        return {"tuple": [encode(v, handle, depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, handle, depth + 1) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": {k: encode(v, handle, depth + 1) for k, v in value.items()}}
    if handle is not None:
        found = handle(value)
        if found is not None:
            return found
    raise WireError(f"a {type(value).__name__}, which is not a plain value")


def decode(value, resolve=None, tensors=None, depth=0):
    """The value of a plain form, checked part by part; ``resolve(tagged)`` gives what a handle or a name
    stands for on this side, ``tensors(array)`` makes a tensor (None: tensors arrive as arrays)."""
    import numpy as np

    if depth > MAX_DEPTH:
        raise WireError(f"nested more than {MAX_DEPTH} levels")
    if value is None or isinstance(value, (bool, int, float)):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
            raise WireError("an integer too large for 64 bits")
        return value
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise WireError(f"a string longer than {MAX_STRING:,} characters")
        return value
    if isinstance(value, list):
        return [decode(v, resolve, tensors, depth + 1) for v in value]
    if isinstance(value, dict) and set(value) == {"handle", "type"} and resolve is not None:
        return resolve(value)
    if not isinstance(value, dict) or len(value) != 1:
        raise WireError(f"a {type(value).__name__} that is not a plain value")
    (tag, body), = value.items()
    if tag == "array":
        array = _array(body, np)
        return tensors(array) if tensors is not None and body.get("tensor") is True else array
    if tag == "tuple" and isinstance(body, list):
        return tuple(decode(v, resolve, tensors, depth + 1) for v in body)
    if tag == "dict" and isinstance(body, dict):
        return {_key(k): decode(v, resolve, tensors, depth + 1) for k, v in body.items()}
    if tag in ("handle", "name") and resolve is not None:
        return resolve(value)
    if tag == "object" and resolve is not None and isinstance(body, dict) and set(body) == {"class", "state"}:
        return resolve({"object": {"class": decode(body["class"], depth=depth + 1),
                                   "state": decode(body["state"], resolve, tensors, depth + 1)}})
    raise WireError(f"an object tagged {str(tag)[:40]!r}")


def _key(key):
    if not isinstance(key, str) or len(key) > MAX_STRING:
        raise WireError("a key that is not a short string")
    return key


def _array(body, np):
    """An array from its plain form, with every part checked; a copy that owns its memory."""
    if not isinstance(body, dict) or set(body) != {"dtype", "shape", "tensor", "scalar", "data"}:
        raise WireError("an array without exactly dtype, shape, tensor, scalar and data")
    dtype, shape, data = body["dtype"], body["shape"], body["data"]
    if dtype not in DTYPES:
        raise WireError(f"an array of dtype {str(dtype)[:20]!r}")
    if not isinstance(shape, list) or len(shape) > 32 or not all(type(n) is int and 0 <= n for n in shape):
        raise WireError("an array whose shape is not a list of sizes")
    if not isinstance(data, str) or len(data) > MAX_BYTES * 4 // 3 + 4:
        raise WireError("an array whose data is not base64 text of a bounded size")
    try:
        raw = base64.b64decode(data.encode("ascii"), validate=True)
    except ValueError as error:
        raise WireError("an array whose data is not base64") from error
    count = 1
    for n in shape:
        count *= n
    if count * np.dtype(dtype).itemsize != len(raw):
        raise WireError("an array whose data does not fit its dtype and shape")
    array = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    return array[()] if body["scalar"] is True and array.ndim == 0 else array


def dumps(value, handle=None):
    """``encode`` as JSON text."""
    return json.dumps(encode(value, handle), allow_nan=True)


def loads(text, resolve=None, tensors=None):
    """``decode`` of JSON text."""
    if not isinstance(text, str) or len(text) > MAX_BYTES * 2:
        raise WireError("not JSON text of a bounded size")
    try:
        return decode(json.loads(text), resolve, tensors)
    except (RecursionError, json.JSONDecodeError) as error:
        raise WireError(f"not JSON of this wire ({type(error).__name__})") from error

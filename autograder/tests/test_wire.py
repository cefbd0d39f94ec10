"""The wire between judge and kernel, fuzzed: plain values cross unchanged, and anything else a kernel can send
becomes the student's error (AnswerError), never the judge's crash and never running code in the judge."""
import base64
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.judge import wire
from autograder.judge.remote import SERVE, Channel, KernelError, RemoteHandle, RemoteName
from autograder.kernel import agent
from course import checks
from odd_notebooks import fuzz_settings

arrays = st.sampled_from(wire.DTYPES).flatmap(
    lambda dtype: hnp.arrays(np.dtype(dtype), hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)))
plain = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63 + 1, 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=20)
    | arrays,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(st.text(max_size=8), inner,
                                                                                             max_size=3),
    max_leaves=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["array", "tuple", "dict", "handle", "type", "name", "object", "class", "state", "dtype",
                         "shape", "tensor", "scalar", "data", "ok", "error", "message"]) | st.text(max_size=6),
        inner, max_size=5),
    max_leaves=20)


def same(a, b):
    if isinstance(a, np.ndarray) or isinstance(a, np.generic):
        return type(a) is type(b) and a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def answered(text):
    """The judge's reading of one answer from the kernel: the value, or the KernelError it raises."""
    channel = Channel(exchange=None, sources={})
    try:
        return channel._answer(text)
    except KernelError as error:
        return error


@fuzz_settings(in_tests=300, fuzzing=5_000)
@given(plain)
def test_plain_values_cross_unchanged(value):
    assert same(wire.loads(wire.dumps(value)), value)
    assert same(answered(json.dumps({"ok": wire.encode(value)})), value)


@fuzz_settings(in_tests=300, fuzzing=10_000)
@given(json_values)
def test_any_answer_is_a_plain_value_a_handle_or_the_students_error(value):
    got = answered(json.dumps({"ok": value}))
    if isinstance(got, KernelError):
        assert type(got).__name__ == "AnswerError" and "not plain values" in str(got)
        return
    assert same(wire.loads(json.dumps(wire.encode(got, lambda h: h.tagged if isinstance(h, RemoteHandle) else None)),
                           lambda tagged: RemoteHandle(None, tagged["handle"], "x")), got) or _has_handle(got)


def _has_handle(value):
    if isinstance(value, RemoteHandle):
        return True
    if isinstance(value, (list, tuple)):
        return any(_has_handle(v) for v in value)
    return isinstance(value, dict) and any(_has_handle(v) for v in value.values())


@pytest.mark.parametrize("body", [
    {"dtype": "object", "shape": [1], "tensor": False, "scalar": False, "data": ""},
    {"dtype": "float32", "shape": [3], "tensor": False, "scalar": False, "data": base64.b64encode(b"1234").decode()},
    {"dtype": "float32", "shape": [-1], "tensor": False, "scalar": False, "data": ""},
    {"dtype": "float32", "shape": [1], "tensor": False, "scalar": False, "data": "not base64!"},
    {"dtype": "float32", "shape": [2**40, 2**40], "tensor": False, "scalar": False, "data": ""},
    {"dtype": "float32", "shape": [1], "data": "AAAAAA=="},
])
def test_a_malformed_array_is_refused(body):
    got = answered(json.dumps({"ok": {"array": body}}))
    assert type(got).__name__ == "AnswerError"


@pytest.mark.parametrize("answer", [
    {"ok": {"name": "log_bernoulli"}},  # a name: only the judge names the kernel's objects
    {"ok": {"object": {"class": "LinearDecoder", "state": {}}}},  # only the judge sends given objects
    {"ok": {"handle": "1", "type": "x"}},
    {"ok": {"__reduce__": "os.system"}},
    {"ok": 1, "error": {}},
    "[" * 100_000 + "]" * 100_000,
])
def test_what_only_the_judge_may_send_is_refused_in_an_answer(answer):
    got = answered(answer if isinstance(answer, str) else json.dumps(answer))
    assert type(got).__name__ == "AnswerError"


def test_the_students_error_keeps_its_name_and_nothing_else():
    got = answered(json.dumps({"error": {"type": "ValueError", "message": "shapes differ"}}))
    assert isinstance(got, KernelError) and type(got).__name__ == "ValueError" and str(got) == "shapes differ"
    odd = answered(json.dumps({"error": {"type": "os.system('x')", "message": ["not text"]}}))
    assert type(odd).__name__ == "KernelError" and str(odd) == ""


def test_only_plain_values_are_encoded():
    for value in (print, object(), np.array([object()]), {1: 2}, 2**70, np.array(["text"])):
        with pytest.raises(wire.WireError):
            wire.encode(value)


def test_a_helper_is_one_request_whose_arguments_travel_beside_its_code():
    sent = []

    def exchange(code, request=None):
        sent.append((code, request))
        return [{"output_type": "display_data", "data": {agent.MIME: json.dumps({"ok": wire.encode(np.zeros((400, 2)))})}}]

    x = np.arange(3, dtype=np.float32)
    values = checks.draws(RemoteName(Channel(exchange, {}), "estimate"), 400, x, num_samples=5)
    assert values.shape == (400, 2)
    (code, text), = sent
    assert code == SERVE, "the code of a request is always the same: IPython never reads the arguments"
    request = json.loads(text)
    assert (request["op"], request["helper"], request["target"]) == ("helper", "draws", {"name": "estimate"})
    count, sent_x = wire.decode(request["args"])
    assert count == 400 and same(sent_x, x) and wire.decode(request["kwargs"]) == {"num_samples": 5}

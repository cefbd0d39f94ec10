"""What TensorFlow writes to stderr on its own, so grading can ignore it.

nbgrader gives a test cell zero points for any stderr output. The kernel runs
with ``TF_CPP_MIN_LOG_LEVEL=3`` (``QUIET_TENSORFLOW``), which TensorFlow reads only
from the environment it starts in, and nbgrader's ``IgnorePattern`` drops a
stderr output when it consists *only* of the lines below (``PATTERN``): C++ log
lines from TensorFlow/absl and Python warnings raised inside TensorFlow or
Keras. Anything else on stderr, such as a student's own message, still counts.
"""

QUIET_TENSORFLOW = {"TF_CPP_MIN_LOG_LEVEL": "3"}  # in the environment of every kernel the grader starts

_LINES = [
    r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR",
    r"[IWEF]\d{4} +\d\d:\d\d:[\d.]+ +\d+ [\w./-]+:\d+\] .*",
    r"To enable the following instructions: .*rebuild TensorFlow with the appropriate compiler flags\.",
    r".*[/\\]site-packages[/\\](?:tensorflow|keras|tf_keras|absl)[/\\].*:\d+: \w*Warning: .*",
    r"  .*",  # the source line Python prints under a warning
]

PATTERN = r"\A(?:(?:" + "|".join(_LINES) + r")\r?\n?)+\Z"

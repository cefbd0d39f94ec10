"""Helper library of the course: data, plots, widgets, test checks, training and runtime, and the
reference code of assignments that are due (``distributions``, ``vae``, ``vae_training``).

Importing the package loads TensorFlow through ``course.runtime`` first, so its
start-up log lines stay off stderr whichever helper a notebook imports first.
"""
from course import runtime  # noqa: F401  (must come before any other TensorFlow import)

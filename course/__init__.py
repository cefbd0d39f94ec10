"""Helper library of the course: data, plots, widgets, test checks, training and runtime.

Importing the package loads TensorFlow through ``course.runtime`` first, so its
start-up log lines stay off stderr whichever helper a notebook imports first.
"""
from course import runtime  # noqa: F401  (must come before any other TensorFlow import)

__all__ = ["checks", "data", "distributions", "plots", "runtime", "training", "vae", "widgets"]

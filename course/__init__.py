"""Helper library of the course: data, plots, widgets, test checks and runtime."""

__all__ = ["checks", "data", "plots", "runtime", "widgets"]

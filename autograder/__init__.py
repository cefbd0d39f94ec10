"""Instructor tooling on top of nbgrader: the course build and the grading of a class."""

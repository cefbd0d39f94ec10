"""Authoring the course: regenerate the release, the solutions and the reference code from source/,
check the build, set the Colab links, and publish the student edition."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the instructor's repository, which is the nbgrader course root

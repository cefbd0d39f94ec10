"""Test settings: offline data, no display, deterministic seeds."""
import os

os.environ.setdefault("COURSE_OFFLINE", "1")
os.environ["MPLBACKEND"] = "Agg"
os.environ.pop("COURSE_DATA_DIR", None)

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from course import data  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_state():
    """No cached data set and no open figure leaks from one test into the next."""
    data._load_raw.cache_clear()
    yield
    data._load_raw.cache_clear()
    plt.close("all")

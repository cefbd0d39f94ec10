"""The notebooks where students meet them: JupyterLab in headless Chromium, driven by Playwright.

Every release and solution notebook is opened in a real JupyterLab on localhost
(a scratch copy of the course, fast mode) and run cell by cell. Solutions must
finish with no error and render their plots as images; a release notebook may
fail only where a stub raises NotImplementedError (or on a name a failed stub
left undefined); every widget must be live, and moving its first slider must
change its picture. One screenshot per notebook goes to build/screenshots/.
Uses Debian's chromium (no browser download); skipped, with the reason, where
it is missing (``make install`` installs it).
"""
import shutil

import pytest

from browser_support import ROOT, SCREENSHOTS, TOKEN, chromium, jupyter_lab, needs_chromium

NOTEBOOKS = sorted(p.relative_to(ROOT) for folder in ("release", "solutions") for p in (ROOT / folder).glob("*/*.ipynb"))
STUB_ERRORS = {"NotImplementedError", "NameError"}

pytestmark = needs_chromium
pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')")

RUN_ALL = """async () => {
  const panel = window.jupyterapp.shell.currentWidget;
  await panel.context.ready;
  await panel.sessionContext.ready;
  const notebook = panel.content;
  for (let i = 0; i < notebook.widgets.length; i++) {
    notebook.activeCellIndex = i;
    await window.jupyterapp.commands.execute('notebook:run-cell');
  }
  return notebook.model.toJSON().cells.map(c => (c.outputs || []).map(o => [o.output_type, o.ename || '', Object.keys(o.data || {}).join(' ')]));
}"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a scratch copy of release/ and solutions/, in fast mode."""
    root = tmp_path_factory.mktemp("lab")
    for folder in ("release", "solutions"):
        shutil.copytree(ROOT / folder, root / folder)
    with jupyter_lab(root, COURSE_FAST="1", COURSE_OFFLINE="1") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


def open_notebook(browser, url, path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    workspace = str(path.with_suffix("")).replace("/", "-")  # a fresh workspace: no tabs of other notebooks
    page.goto(f"{url}/lab/workspaces/{workspace}/tree/{path}?reset&token={TOKEN}")
    page.wait_for_function("(path) => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.context"
                           " && window.jupyterapp.shell.currentWidget.context.path === path",
                           arg=str(path), timeout=120_000)
    return page


def check_widgets(page):
    """Every widget is live; moving the first slider of a widget changes its picture."""
    widgets = page.locator(".jp-OutputArea-output .jupyter-widgets.widget-vbox")
    assert page.locator(".jp-OutputArea-output:has-text('VBox(children=')").count() == 0, "widget shown as text"
    for i in range(widgets.count()):
        widget = widgets.nth(i)
        widget.scroll_into_view_if_needed()
        picture = widget.locator("img").first
        before = picture.get_attribute("src")
        box = widget.locator(".noUi-handle").first.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2, steps=5)
        page.mouse.up()
        page.wait_for_function(  # the explorer draws a new picture into its output
            "([w, old]) => { const img = w.querySelector('img'); return img && img.getAttribute('src') !== old; }",
            arg=[widget.element_handle(), before], timeout=60_000)
    return widgets.count()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=str)
def test_notebook_in_jupyterlab(browser, lab, path):
    page = open_notebook(browser, lab, path)
    try:
        outputs = page.evaluate(RUN_ALL)
        errors = [(i, ename) for i, cell in enumerate(outputs) for kind, ename, _ in cell if kind == "error"]
        images = sum("image/png" in mimes for cell in outputs for _, _, mimes in cell)
        if path.parts[0] == "solutions":
            assert errors == [], errors
            assert images > 0 and page.locator(".jp-OutputArea-output img").count() > 0
        else:
            assert errors and {ename for _, ename in errors} <= STUB_ERRORS, errors
        if path.parts[0] == "solutions":
            check_widgets(page)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{path.parts[0]}-{path.parent.name}.png"))
    finally:
        page.close()

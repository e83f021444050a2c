"""The Python code in the documentation runs as written (``>>>`` examples run as doctests)."""

import pathlib
import re
import textwrap

import pytest

from trapode.integrators import METHODS

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"


def python_blocks(text):
    """Literal blocks introduced by ``::`` or ``.. code-block:: python``, except doctests."""
    blocks = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not ((stripped.endswith("::") and not stripped.startswith("..")) or stripped == ".. code-block:: python"):
            continue
        body = []
        for following in lines[index + 1 :]:
            if following.strip() and not following.startswith(" "):
                break
            body.append(following)
        code = textwrap.dedent("\n".join(body)).strip()
        if code and not code.startswith(">>>"):
            blocks.append(code)
    return blocks


PAGES = sorted(path for path in DOCS.glob("*.rst") if python_blocks(path.read_text(encoding="utf-8")))


def test_the_pages_with_code_are_found():
    assert {page.name for page in PAGES} >= {"usage.rst", "methods.rst", "sweeps.rst", "traps.rst"}


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_code_blocks_run(page, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    namespace = {}
    registered = set(METHODS)
    try:
        for code in python_blocks(page.read_text(encoding="utf-8")):
            exec(compile(code, f"{page.name}", "exec"), namespace)
    finally:
        for name in set(METHODS) - registered:
            del METHODS[name]
    assert re.search(r"\w", "".join(namespace))  # something was defined


def test_readme_code_runs(tmp_path, monkeypatch):
    """The README's Python blocks run as they stand, in order."""
    import warnings

    monkeypatch.chdir(tmp_path)
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert len(blocks) >= 2
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for code in blocks:
            exec(compile(code, "README.md", "exec"), namespace)  # the project's own README
    assert namespace["sweep"].fraction_trapped.shape == (3, 3)

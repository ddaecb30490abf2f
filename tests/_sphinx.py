"""A tiny Sphinx + MyST-NB project with one of the book's extensions (``_ext/``), built in a
temporary folder: the unit tests of the tab transform and of the framework-names index."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

sphinx_application = pytest.importorskip("sphinx.application")
docutils_namespace = pytest.importorskip("sphinx.util.docutils").docutils_namespace
pytest.importorskip("myst_nb")


def build(tmp_path_factory, extension: str, files: dict[str, str]) -> Path:
    """Write ``files`` (path -> text) beside a ``conf.py`` loading MyST-NB (no execution) and
    ``extension``; build the HTML with warnings as errors; return the output folder."""
    source = tmp_path_factory.mktemp("src")
    (source / "conf.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        f"extensions = ['myst_nb', {extension!r}]\n"
        "nb_execution_mode = 'off'\n"
        "exclude_patterns = ['_build']\n")
    for name, text in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text)
    out = tmp_path_factory.mktemp("html")
    # docutils_namespace: each Sphinx app registers its nodes and directives afresh (another
    # app built earlier in this process would otherwise make that a warning, here an error)
    with docutils_namespace():
        app = sphinx_application.Sphinx(str(source), str(source), str(out),
                                        str(out / ".doctrees"), "html", status=None,
                                        warning=None, freshenv=True, warningiserror=True)
        app.build()
    return out

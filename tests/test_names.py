"""The index of losses by framework name (``_ext/lossbook_names.py``) in a tiny Sphinx project.

The project has one section labelled ``(loss-huber)=`` and the catalogue's pages: the
torch and Keras Huber names link to that section, a loss without a section links to its
catalogue page marked "(catalogue)", and the search index holds every name as an object
whose result opens the section of its loss where there is one.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT

sphinx_application = pytest.importorskip("sphinx.application")
docutils_namespace = pytest.importorskip("sphinx.util.docutils").docutils_namespace
pytest.importorskip("myst_nb")


def _pages() -> tuple[str, ...]:
    """The catalogue's pages: one per reference module that holds a catalogue entry."""
    from lossbook import catalog

    return tuple(sorted({getattr(e.reference, "func", e.reference).__module__.rsplit(".", 1)[-1]
                         for e in catalog.entries()}))


PAGES = _pages()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    source = tmp_path_factory.mktemp("src")
    (source / "conf.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        "extensions = ['myst_nb', 'lossbook_names']\n"
        "nb_execution_mode = 'off'\n"
        "exclude_patterns = ['_build']\n")
    catalogue = "\n".join(f"book/catalogue/{page}" for page in PAGES)
    (source / "index.md").write_text(f"# Home\n\n```{{toctree}}\nnames\nhuber\n{catalogue}\n```\n")
    (source / "huber.md").write_text("# Huber\n\n(loss-huber)=\n## The Huber loss\n\nText.\n")
    (source / "names.md").write_text("# Names\n\n```{framework-names}\n```\n")
    (source / "book" / "catalogue").mkdir(parents=True)
    for page in PAGES:
        (source / "book" / "catalogue" / f"{page}.md").write_text(f"# {page}\n")
    out = tmp_path_factory.mktemp("html")
    # docutils_namespace: each Sphinx app registers its nodes and directives afresh (another
    # app built earlier in this process would otherwise make that a warning, here an error)
    with docutils_namespace():
        app = sphinx_application.Sphinx(str(source), str(source), str(out),
                                        str(out / ".doctrees"), "html", status=None,
                                        warning=None, freshenv=True, warningiserror=True)
        app.build()
    index = (out / "searchindex.js").read_text()
    return (out / "names.html").read_text(), json.loads(index[index.index("(") + 1:-1])


def _row(html: str, name: str) -> str:
    match = re.search(r"<tr[^>]*>(?:(?!</tr>).)*<span class=\"pre\">" + name + r"</span>"
                      r"(?:(?!</tr>).)*</tr>", html, flags=re.S)
    assert match, f"no row for {name}"
    return match.group(0)


def test_names_link_the_section_of_their_loss(built):
    html, _ = built
    for name in ("HuberLoss", "Huber"):
        assert 'href="huber.html#loss-huber">Huber loss</a>' in _row(html, name)


def test_a_loss_without_a_section_links_its_catalogue_page(built):
    html, _ = built
    row = _row(html, "BCEWithLogitsLoss")
    assert 'href="book/catalogue/classification.html"' in row and "(catalogue)" in row


def test_every_catalogue_name_is_listed_with_its_framework(built):
    html, _ = built
    for name, framework in (("BCEWithLogitsLoss", "PyTorch"), ("CTCLoss", "PyTorch"),
                            ("SparseCategoricalCrossentropy", "Keras"), ("CTC", "Keras"),
                            ("Dice", "Keras"), ("cosine_similarity", "PyTorch")):
        assert f"<p>{framework}</p>" in _row(html, name)


def test_the_search_index_finds_names_and_opens_the_section(built):
    _, index = built
    objects = {(prefix, entry[4]): entry for prefix, entries in index["objects"].items()
               for entry in entries}
    docnames = index["docnames"]
    huber = objects[("torch.nn", "HuberLoss")]
    assert docnames[huber[0]] == "huber" and huber[3] == "loss-huber"
    assert huber[2] == 1                              # Sphinx's default priority
    bce = objects[("torch.nn", "BCEWithLogitsLoss")]
    assert docnames[bce[0]] == "names" and bce[3].startswith("name-torch-nn-bcewithlogitsloss")
    assert bce[2] == 2                                # below every result with a section
    assert ("keras.losses", "SparseCategoricalCrossentropy") in objects

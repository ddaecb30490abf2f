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
from _sphinx import ROOT, build


def _pages() -> tuple[str, ...]:
    """The catalogue's pages: one per reference module that holds a catalogue entry."""
    from lossbook import catalog

    return tuple(sorted({getattr(e.reference, "func", e.reference).__module__.rsplit(".", 1)[-1]
                         for e in catalog.entries()}))


PAGES = _pages()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    catalogue = "\n".join(f"book/catalogue/{page}" for page in PAGES)
    # ppl before ce in the toc: both sections teach a loss Keras runs with
    # SparseCategoricalCrossentropy; the search ranks first the one read first
    files = {"index.md": f"# Home\n\n```{{toctree}}\nnames\nhuber\nppl\nce\n{catalogue}\n```\n",
             "huber.md": "# Huber\n\n(loss-huber)=\n## The Huber loss\n\nText.\n",
             "ppl.md": "# PPL\n\n(loss-perplexity)=\n## Perplexity\n\nText.\n",
             "ce.md": "# CE\n\n(loss-sparse_categorical_crossentropy_from_logits)=\n"
                      "## Sparse cross-entropy\n\nText.\n",
             "names.md": "# Names\n\n```{framework-names}\n```\n"}
    files.update({f"book/catalogue/{page}.md": f"# {page}\n" for page in PAGES})
    out = build(tmp_path_factory, "lossbook_names", files)
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


def test_every_catalogue_entry_has_one_section_in_the_book():
    """So that the names index and search land on a section for every loss, never only on
    its catalogue row: each entry's ``(loss-<name>)=`` label exists exactly once."""
    import pathlib

    from lossbook import catalog

    found: dict[str, int] = {}
    for path in pathlib.Path(ROOT, "book").rglob("*"):
        if path.suffix in (".md", ".ipynb"):
            for label in re.findall(r"\((loss-[a-z0-9_]+)\)=", path.read_text()):
                found[label] = found.get(label, 0) + 1
    counts = {name: found.get(f"loss-{name}", 0) for name in catalog.names()}
    assert {name: n for name, n in counts.items() if n != 1} == {}


def test_a_name_of_several_losses_ranks_the_section_read_first(built):
    _, index = built
    docnames = index["docnames"]
    found = sorted((entry[2], docnames[entry[0]]) for entry in index["objects"]["keras.losses"]
                   if entry[4] == "SparseCategoricalCrossentropy")
    assert found[0] == (1, "ppl") and (2, "ce") in found, found
    assert [priority for priority, _ in found].count(1) == 1

"""The "PyTorch | Keras" tabs of ``_ext/lossbook_tabs.py``, in a tiny Sphinx + MyST-NB project.

One notebook (outputs stored, not executed) with: a tagged pair, a lone ``pytorch`` cell, a
``keras`` cell before a ``pytorch`` cell (wrong order) and a pair split by a Markdown cell.
Only the first becomes a tab set; its two tabs carry sphinx-design's sync keys and hold the
cells' code *and* outputs. The browser test (``test_book.py``) clicks the real tabs.
"""

from __future__ import annotations

import json
import re

import pytest
from _sphinx import build


def _cell(source: str, tag: str | None = None, output: str | None = None) -> dict:
    outputs = ([{"output_type": "stream", "name": "stdout", "text": [output + "\n"]}]
               if output is not None else [])
    return {"cell_type": "code", "execution_count": None, "id": f"c{abs(hash(source))}",
            "metadata": {"tags": [tag]} if tag else {}, "outputs": outputs, "source": [source]}


def _markdown(text: str) -> dict:
    return {"cell_type": "markdown", "id": f"m{abs(hash(text))}", "metadata": {},
            "source": [text]}


NOTEBOOK = {
    "cells": [
        _markdown("# Tabs\n\n## A pair"),
        _cell("print('torch side')", "pytorch", "OUT-TORCH"),
        _cell("print('keras side')", "keras", "OUT-KERAS"),
        _markdown("## A lone PyTorch cell"),
        _cell("print('lone')", "pytorch", "OUT-LONE"),
        _markdown("## The wrong order"),
        _cell("print('keras first')", "keras", "OUT-K-FIRST"),
        _cell("print('torch second')", "pytorch", "OUT-T-SECOND"),
        _markdown("## A pair split by prose"),
        _cell("print('split torch')", "pytorch", "OUT-SPLIT-T"),
        _markdown("Some prose."),
        _cell("print('split keras')", "keras", "OUT-SPLIT-K"),
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                "name": "python3"}, "language_info": {"name": "python"}},
    "nbformat": 4, "nbformat_minor": 5,
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = build(tmp_path_factory, "lossbook_tabs",
                {"index.md": "# Home\n\n```{toctree}\npage\n```\n",
                 "page.ipynb": json.dumps(NOTEBOOK)})
    return (out / "page.html").read_text()


def _tab_sets(html: str) -> list[str]:
    """The HTML of each tab set (sphinx-design's outer div), in page order."""
    starts = [m.start() for m in re.finditer(r'<div class="sd-tab-set', html)]
    return [html[start:(starts[i + 1] if i + 1 < len(starts) else len(html))]
            for i, start in enumerate(starts)]


def test_only_the_adjacent_pytorch_keras_pair_becomes_tabs(built):
    sets = _tab_sets(built)
    assert len(sets) == 1, f"expected one tab set, found {len(sets)}"
    assert "lossbook-framework-tabs" in sets[0]


def test_the_tabs_are_pytorch_then_keras_with_sync_keys(built):
    labels = [(attributes, text) for attributes, text
              in re.findall(r'<label ([^>]*)>\s*(\w+)\s*</label>', built)
              if 'class="sd-tab-label"' in attributes]
    assert [text for _, text in labels] == ["PyTorch", "Keras"]
    for (attributes, _), sync_id in zip(labels, ("pytorch", "keras"), strict=True):
        assert 'data-sync-group="framework"' in attributes
        assert f'data-sync-id="{sync_id}"' in attributes
    # PyTorch is the tab shown first; the stored choice (design-tabs.js) may override it
    assert re.search(r'<input checked="checked" id="sd-tab-item-0"', built)


def test_code_and_outputs_sit_inside_their_tab(built):
    panels = _tab_sets(built)[0].split("</section>")[0].split('class="sd-tab-content')[1:]
    assert len(panels) == 2
    torch_panel, keras_panel = panels
    assert "torch side" in torch_panel and "OUT-TORCH" in torch_panel
    assert "keras side" not in torch_panel and "OUT-KERAS" not in torch_panel
    assert "keras side" in keras_panel and "OUT-KERAS" in keras_panel


def test_cells_that_are_not_a_pair_stay_plain(built):
    outside = built[built.find("A lone PyTorch cell"):]
    assert "sd-tab" not in outside
    for text in ("OUT-LONE", "OUT-K-FIRST", "OUT-T-SECOND", "OUT-SPLIT-T", "OUT-SPLIT-K"):
        assert text in outside
    assert built.count('class="sd-tab-label"') == 2

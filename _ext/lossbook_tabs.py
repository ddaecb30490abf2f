"""Synced "PyTorch | Keras" tabs for notebook cells, without touching the notebooks.

Convention (README, "Contributing"): where a section shows the same step in both frameworks,
the PyTorch code cell is immediately followed by the Keras code cell, tagged ``pytorch`` and
``keras`` (cell metadata ``"tags": ["pytorch"]``). The notebook keeps two plain cells that
run one after the other; the rendered page shows them as one tab set "PyTorch | Keras".

Why a transform: MyST-NB does not render code cells placed inside a ``tab-set`` directive
(MyST-NB issue 723), so the tabs cannot be written in the notebook's Markdown. MyST-NB turns
every code cell into a ``container`` with the classes ``cell`` and ``tag_<tag>``, holding its
input and its outputs; this read-time transform moves each adjacent ``tag_pytorch`` /
``tag_keras`` pair into sphinx-design's tab components (the nodes its ``tab-set`` and
``tab-item`` directives make), and sphinx-design's own HTML post-transform renders them.

Synchronisation: both labels carry sphinx-design's sync keys (group ``framework``, ids
``pytorch`` and ``keras``). sphinx-design 0.8's ``design-tabs.js`` selects every tab with the
same key on the page and stores the choice in ``localStorage``, so the reader's framework is
the one shown on every page and after a reload.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx_design.shared import create_component

SYNC_GROUP = "framework"
# (cell tag, tab label): the order of the cells in the notebook and of the tabs on the page
PAIR = (("pytorch", "PyTorch"), ("keras", "Keras"))


def is_tagged_cell(node: nodes.Node, tag: str) -> bool:
    """Whether ``node`` is a MyST-NB code cell carrying the cell tag ``tag``."""
    return (isinstance(node, nodes.container) and "cell" in node.get("classes", ())
            and f"tag_{tag}" in node["classes"])


def framework_tabs(cells) -> nodes.container:
    """A sphinx-design tab set with one synced tab per (tag, label) of :data:`PAIR`."""
    tab_set = create_component("tab-set", classes=["sd-tab-set", "lossbook-framework-tabs"])
    for (tag, label), cell in zip(PAIR, cells, strict=True):
        title = nodes.rubric(label, label, classes=["sd-tab-label"])
        title["sync_id"], title["sync_group"] = tag, SYNC_GROUP
        content = create_component("tab-content", classes=["sd-tab-content"], children=[cell])
        item = create_component("tab-item", classes=["sd-tab-item"], selected=False,
                                children=[title, content])
        item.source, item.line = cell.source, cell.line
        tab_set += item
    tab_set.source, tab_set.line = cells[0].source, cells[0].line
    return tab_set


class FrameworkTabs(SphinxTransform):
    """Wrap every adjacent ``pytorch`` / ``keras`` cell pair in a "PyTorch | Keras" tab set."""

    default_priority = 500

    def apply(self, **kwargs) -> None:
        (first_tag, _), (second_tag, _) = PAIR
        firsts = [node for node in self.document.findall(nodes.container)
                  if is_tagged_cell(node, first_tag)]
        for first in firsts:
            parent = first.parent
            index = parent.index(first)
            if index + 1 >= len(parent) or not is_tagged_cell(parent[index + 1], second_tag):
                continue  # a lone cell stays a plain cell
            second = parent[index + 1]
            parent.remove(second)
            parent.replace(first, framework_tabs([first, second]))


def setup(app):
    app.setup_extension("sphinx_design")
    app.add_transform(FrameworkTabs)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

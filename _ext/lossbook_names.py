"""Losses by their PyTorch and Keras names: an index page, and search that finds them.

The ``framework-names`` directive writes a table of every framework name the catalogue uses
(``lb.catalog.entries()``; each entry's ``implementations("torch" | "keras")`` name the
classes and functions it runs, e.g. ``torch.nn.BCEWithLogitsLoss``), each linked to the
section that teaches its loss: the MyST target ``(loss-<entry name>)=`` that a chapter puts
before that section's heading. An entry without such a label in the book links to its
catalogue page instead, and the table says so ("catalogue").

Search: each name is also an object of the small ``lossbook`` domain, so Sphinx's search
finds ``BCEWithLogitsLoss`` or ``SparseCategoricalCrossentropy`` by name, ranks it first, and
its result opens the section of the loss; a name whose loss has no section yet opens its row
of the index, ranked below the sections (Sphinx's object priority 2, "unimportant").

The catalogue is read in a separate Python process: importing it may start TensorFlow and
torch, which must not happen inside Sphinx (its parallel read forks worker processes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from docutils import nodes
from sphinx.directives import SphinxDirective
from sphinx.domains import Domain, ObjType
from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parent.parent
FRAMEWORK_TITLES = {"torch": "PyTorch", "keras": "Keras"}

# Runs in a fresh interpreter: the framework names of every catalogue entry, as JSON.
# An implementation of the catalogue is either an adapter that names what it runs (``path``)
# or a small function of the catalogue whose code names the framework loss it calls.
_SCRIPT = r'''
import inspect, json, re
from lossbook import catalog

LOSS = re.compile(r"\b(torch\.nn\.[A-Z]\w*|keras\.losses\.[A-Z]\w*|keras\.ops\.ctc_loss"
                  r"|(?:F|torch\.nn\.functional)\.[a-z]\w*(?=\())")

def names(implementation):
    path = getattr(implementation, "path", None)
    function = getattr(implementation, "func", implementation)
    path = path or inspect.getclosurevars(function).nonlocals.get("path")
    if isinstance(path, str):
        return [path]
    found = LOSS.findall(inspect.getsource(function))
    return [name.replace("F.", "torch.nn.functional.", 1) if name.startswith("F.") else name
            for name in found]

rows = []
for entry in catalog.entries():
    for framework in ("torch", "keras"):
        found = sorted({name for implementation in entry.implementations(framework)
                        for name in names(implementation)})
        module = getattr(entry.reference, "func", entry.reference).__module__
        rows.append({"entry": entry.name, "title": entry.title, "framework": framework,
                     "page": module.rsplit(".", 1)[-1], "names": found})
print(json.dumps(rows))
'''


def catalogue_names() -> list[dict]:
    """One row per (catalogue entry, framework): the entry's name, title, catalogue page and
    the framework names of its implementations."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    run = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True,
                         env=env, cwd=ROOT, check=False)
    if run.returncode != 0:
        raise ExtensionError(f"reading the catalogue's framework names failed:\n{run.stderr}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def name_rows(catalogue: list[dict]) -> list[dict]:
    """The index: one row per (framework name, entry), sorted by the name's last part."""
    rows = [{"name": name, "framework": row["framework"], "entry": row["entry"],
             "title": row["title"], "page": row["page"]}
            for row in catalogue for name in row["names"]]
    return sorted(rows, key=lambda r: (r["name"].rsplit(".", 1)[-1].lower(), r["name"],
                                       r["entry"]))


def row_id(name: str, entry: str) -> str:
    return nodes.make_id(f"name-{name}-{entry}")


class loss_link(nodes.Inline, nodes.Element):  # noqa: N801
    """Placeholder for the link to a loss's section, resolved once every page is read."""


class FrameworkNamesDirective(SphinxDirective):
    """``framework-names``: the table of framework names and the sections of their losses."""

    has_content = False

    def run(self):
        rows = name_rows(catalogue_names())
        domain = self.env.get_domain("lossbook")
        table = nodes.table(classes=["lossbook-framework-names"])
        group = nodes.tgroup(cols=3)
        table += group
        for width in (40, 15, 45):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        head += self._row([nodes.Text(text) for text in ("name", "framework", "loss")])
        group += head
        body = nodes.tbody()
        for row in rows:
            prefix, _, short = row["name"].rpartition(".")
            name_cell = [nodes.literal(short, short), nodes.Text(f" ({prefix})")]
            link = loss_link(entry=row["entry"], title=row["title"], page=row["page"])
            tr = self._row([name_cell, nodes.Text(FRAMEWORK_TITLES[row["framework"]]), link])
            tr["ids"].append(row_id(row["name"], row["entry"]))
            body += tr
            domain.note_name(row["name"], row["entry"], self.env.docname,
                             row_id(row["name"], row["entry"]))
        group += body
        return [table]

    @staticmethod
    def _row(cells) -> nodes.row:
        row = nodes.row()
        for content in cells:
            entry = nodes.entry()
            paragraph = nodes.paragraph()
            paragraph.extend(content if isinstance(content, list) else [content])
            entry += paragraph
            row += entry
        return row


class LossbookDomain(Domain):
    """The framework names of the catalogue as searchable objects."""

    name = "lossbook"
    label = "lossbook"
    object_types = {"name": ObjType("framework loss", "name")}
    initial_data = {"names": {}}  # framework name -> {entry: (docname, row id)}

    def note_name(self, name, entry, docname, anchor):
        self.data["names"].setdefault(name, {})[entry] = (docname, anchor)

    def clear_doc(self, docname):
        for entries in self.data["names"].values():
            for entry in [e for e, (doc, _) in entries.items() if doc == docname]:
                del entries[entry]

    def merge_domaindata(self, docnames, otherdata):
        for name, entries in otherdata["names"].items():
            for entry, (docname, anchor) in entries.items():
                if docname in docnames:
                    self.note_name(name, entry, docname, anchor)

    def resolve_any_xref(self, env, fromdocname, builder, target, node, contnode):
        return []

    def section_of(self, entry):
        """``(docname, anchor, section title)`` of ``(loss-<entry>)=``, or None."""
        return self.env.get_domain("std").labels.get(f"loss-{entry}")

    def _reading_order(self) -> dict[str, int]:
        """Each document's position in the book (the toctree read depth-first from the root)."""
        order, stack = {}, [self.env.config.root_doc]
        while stack:
            docname = stack.pop()
            if docname not in order:
                order[docname] = len(order)
                stack.extend(reversed(self.env.toctree_includes.get(docname, [])))
        return order

    def get_objects(self):
        order = self._reading_order()
        for name, entries in sorted(self.data["names"].items()):
            # several entries may run the same class (SparseCategoricalCrossentropy: the sparse
            # cross-entropy, perplexity, the linear cross-entropy on full logits): the search
            # ranks first the section the book teaches it in first, the others below it
            taught = sorted((order.get(section[0], len(order)), entry, section)
                            for entry in entries
                            if (section := self.section_of(entry)) is not None)
            for rank, (_, _entry, section) in enumerate(taught):
                yield name, name, "name", section[0], section[1], 1 if rank == 0 else 2
            for entry, (docname, anchor) in sorted(entries.items()):
                if self.section_of(entry) is None:  # no section: the name's row here
                    yield name, name, "name", docname, anchor, 2


def _resolve_links(app, doctree, fromdocname):
    domain = app.env.get_domain("lossbook")
    for node in list(doctree.findall(loss_link)):
        section = domain.section_of(node["entry"])
        if section is not None:
            docname, anchor, _ = section
            text = node["title"]
        else:  # no section of this book teaches it yet: the entry on its catalogue page
            docname, anchor = f"book/catalogue/{node['page']}", ""
            text = f"{node['title']} (catalogue)"
        if docname not in app.env.all_docs:
            raise ExtensionError(f"framework-names: no page {docname!r} for {node['entry']!r}")
        uri = app.builder.get_relative_uri(fromdocname, docname) + (f"#{anchor}" if anchor else "")
        reference = nodes.reference("", "", nodes.Text(text), internal=True, refuri=uri)
        node.replace_self(reference)


def setup(app):
    app.add_node(loss_link)
    app.add_domain(LossbookDomain)
    app.add_directive("framework-names", FrameworkNamesDirective)
    app.connect("doctree-resolved", _resolve_links)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

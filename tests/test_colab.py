"""The Colab launch button works: a notebook opened on Colab installs lossbook in its first cell.

``launch_buttons.colab_url`` in ``_config.yml`` puts a Colab button on every notebook page. Colab
starts a runtime without lossbook, so the first cell must install it — from the repository that
``_config.yml`` names — before ``import lossbook``, and must do nothing of the kind anywhere else.
Each first cell is run here the way IPython runs it (its ``%pip`` line translated by IPython's own
input transformer), once with a fake ``google.colab`` module and once without, against a recording
stand-in for the ``%pip`` magic and a stand-in ``lossbook``: nothing is installed, nothing imported.
"""

import json
import shlex
import sys
import types

import pytest
import yaml
from conftest import ROOT
from IPython.core.inputtransformer2 import TransformerManager
from list_notebooks import toc_notebooks

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
COLAB_URL = (CONFIG.get("launch_buttons") or {}).get("colab_url")
REPOSITORY = CONFIG["repository"]["url"]
NOTEBOOKS = toc_notebooks()
IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]

pytestmark = pytest.mark.skipif(not COLAB_URL, reason="_config.yml shows no Colab button")


def _code_cells(path):
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]
            if c["cell_type"] == "code"]


class _Shell:
    """Stands in for IPython's shell: records line magics instead of running them."""

    def __init__(self, events):
        self.events = events

    def run_line_magic(self, name, line):
        self.events.append(("magic", name, line))


def _run_first_cell(path, monkeypatch, *, on_colab):
    events = []
    fake = types.ModuleType("lossbook")
    fake.setup = lambda *args, **kwargs: events.append(("setup",)) or "env"
    monkeypatch.setitem(sys.modules, "lossbook", fake)
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    python = TransformerManager().transform_cell(_code_cells(path)[0])
    namespace = {"get_ipython": lambda: _Shell(events)}
    exec(compile(python, f"{path.name}, first cell", "exec"), namespace)
    assert namespace["lb"] is fake and namespace["env"] == "env"
    return events


def _needs_install(path):
    assert "google.colab" in _code_cells(path)[0], (
        f"{path.name}: its first cell does not install lossbook on Colab, so its Colab button "
        "opens a notebook whose first cell fails")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_first_cell_installs_lossbook_on_colab(path, monkeypatch):
    _needs_install(path)
    events = _run_first_cell(path, monkeypatch, on_colab=True)
    assert [e[0] for e in events] == ["magic", "setup"], events
    _, magic, line = events[0]
    words = shlex.split(line)
    assert magic == "pip" and words[0] == "install", line
    assert f"lossbook[frameworks] @ git+{REPOSITORY}" in words, (
        f"{path.name}: the install must come from the repository of _config.yml ({REPOSITORY}); "
        f"got: %pip {line}")
    if any("myst_nb" in cell for cell in _code_cells(path)):
        assert "myst-nb" in words, f"{path.name} imports myst_nb; Colab lacks it: %pip {line}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_first_cell_installs_nothing_elsewhere(path, monkeypatch):
    assert _run_first_cell(path, monkeypatch, on_colab=False) == [("setup",)]

"""Sphinx extension of the lossbook book: offline MathJax, a clean browser console, and
(in modules of their own) synced "PyTorch | Keras" tabs (``lossbook_tabs``) and the index of
losses by framework name (``lossbook_names``).

1. Serve MathJax 3 from the built book itself. Sphinx loads MathJax from a CDN by default; offline (a student on a train, or this project's
CI) the formulas then stay raw TeX. The registry package ``django-static-mathjax`` ships
MathJax 3.2.2; this extension copies its ``es5`` bundle to ``_static/mathjax`` of the HTML
output, and ``_config.yml`` points ``mathjax_path`` at ``mathjax/tex-chtml.js`` (a relative
path is resolved against ``_static``). No download happens at build time.

2. Remove duplicated inline scripts. sphinx-thebe (added by Jupyter Book even with thebe
off) registers its inline configuration script once per read phase, and a page that declares
``const THEBE_JS_URL`` twice throws a SyntaxError in the browser console on every page.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.errors import ExtensionError


def _mathjax_bundle() -> Path:
    try:
        import mathjax  # the django-static-mathjax distribution
    except ImportError as error:
        raise ExtensionError(
            "offline_mathjax needs the 'django-static-mathjax' package (see requirements.txt)"
        ) from error
    bundle = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (bundle / "tex-chtml.js").is_file():
        raise ExtensionError(f"MathJax bundle not found at {bundle}")
    return bundle


def _copy_mathjax(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    if not (target / "tex-chtml.js").is_file():
        shutil.copytree(_mathjax_bundle(), target, dirs_exist_ok=True)


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        filename = getattr(script, "filename", str(script)) or ""  # None and "" both mean inline
        key = (filename, repr(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app):
    _mathjax_bundle()  # fail early, before hours of notebook execution
    app.setup_extension("lossbook_tabs")
    app.setup_extension("lossbook_names")
    app.connect("build-finished", _copy_mathjax)
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

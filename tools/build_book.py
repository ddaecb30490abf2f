"""``jupyter-book`` with its Sphinx build on N processes: the notebooks execute in parallel.

Usage (what ``make book`` runs)::

    python tools/build_book.py --jobs 2 build . --all -W --keep-going --builder html

Everything after ``--jobs N`` is the ordinary ``jupyter-book`` command line.

Why: MyST-NB (``execute_notebooks: force``) executes a notebook while Sphinx *reads* it, so
Sphinx's parallel read (``sphinx-build -j N``) executes N notebooks at a time, every one of
them afresh, with the same error handling as the serial build. The ``jupyter-book`` command
has no ``-j`` option, although its ``build_sphinx()`` takes ``jobs``; this wrapper passes it.

Sphinx would hand each read process a fixed batch of documents (``make_chunks``: 14 pages on
2 processes are 2 batches of 7, in file-name order), so one process could still be executing
a chapter's notebooks while the other idles. Here every document is its own task: a process
that finishes takes the next page, and one more notebook adds its own run time to one of the
N processes, not to a fixed batch.

Two extensions that Jupyter Book always loads do not declare whether they are safe for a
parallel read, and Sphinx then warns ("doing serial read"; an error under ``-W``):
``sphinx_multitoc_numbering`` (it replaces a method at set-up and numbers sections after the
read, in the main process) and ``sphinx_jupyterbook_latex`` (stateless transforms; it acts on
LaTeX builds only). Both keep no per-document state, so they are declared safe here. Any other
extension that does not declare it still stops a ``-W`` build, rather than going serial.

Fragile by nature: this patches two Sphinx internals (``sphinx.builders.make_chunks`` and
``Sphinx.is_parallel_allowed``) of the pinned Sphinx 7.4; it stops with an error if they move.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys

import jupyter_book.sphinx
import sphinx.application
import sphinx.builders
from jupyter_book.cli.main import main as jupyter_book_main
from sphinx.errors import SphinxParallelError

UNDECLARED_BUT_SAFE = ("sphinx_multitoc_numbering", "sphinx_jupyterbook_latex")


def _is_parallel_allowed(original):
    @functools.wraps(original)
    def is_parallel_allowed(app, typ):
        for name in UNDECLARED_BUT_SAFE:
            extension = app.extensions.get(name)
            if extension is not None and extension.parallel_read_safe is None:
                extension.parallel_read_safe = True
        return original(app, typ)
    return is_parallel_allowed


def one_document_per_task(arguments, nproc, maxbatch=10):
    """Replacement of ``sphinx.util.parallel.make_chunks``: one task per document."""
    return [[argument] for argument in arguments]


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], add_help=False)
    parser.add_argument("--jobs", "-j", default="2",
                        help="Sphinx processes: a number, or 'auto' for every CPU core (default 2)")
    parser.add_argument("--execution-mode", choices=("force", "off"),
                        help="override execute_notebooks of _config.yml; bench_notebooks.py times "
                             "a build with 'off' to measure what a build costs besides the notebooks")
    args, rest = parser.parse_known_args(argv)
    jobs = len(os.sched_getaffinity(0)) if args.jobs == "auto" else int(args.jobs)
    if jobs > 1:
        if not (callable(getattr(sphinx.builders, "make_chunks", None))
                and callable(getattr(sphinx.application.Sphinx, "is_parallel_allowed", None))):
            raise SystemExit("tools/build_book.py: this Sphinx has no sphinx.builders.make_chunks or "
                             "Sphinx.is_parallel_allowed; update the wrapper or build with --jobs 1")
        # Builder._read_parallel and _write_parallel look make_chunks up in sphinx.builders
        sphinx.builders.make_chunks = one_document_per_task
        sphinx.application.Sphinx.is_parallel_allowed = _is_parallel_allowed(
            sphinx.application.Sphinx.is_parallel_allowed)
    # jupyter_book.cli.main imports build_sphinx from jupyter_book.sphinx when it builds
    original_build_sphinx = jupyter_book.sphinx.build_sphinx

    @functools.wraps(original_build_sphinx)
    def build_sphinx(*args_, confoverrides=None, **kwargs):
        confoverrides = dict(confoverrides or {})
        if args.execution_mode:
            confoverrides["nb_execution_mode"] = args.execution_mode
        return original_build_sphinx(*args_, confoverrides=confoverrides, jobs=jobs, **kwargs)

    jupyter_book.sphinx.build_sphinx = build_sphinx
    sys.argv = ["jupyter-book", *rest]
    try:
        jupyter_book_main()
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except RuntimeError as error:  # Jupyter Book's "There was an error in building your book"
        cause = error.__cause__
        if isinstance(cause, SphinxParallelError):
            # A failing cell raised in a read process; Sphinx prints only its last line (the
            # notebook's path). Print the whole traceback, as the serial build does: the
            # cell's source and its exception.
            print(f"Error in a parallel read process:\n{cause.traceback}", file=sys.stderr)
        raise
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))

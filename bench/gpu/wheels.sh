#!/usr/bin/env bash
# Download into .whl/ (repo root, git-ignored) every wheel that bench/gpu/run.sh needs and the
# GPU machine lacks (it has torch, JAX, numpy, scipy, matplotlib, scikit-learn, pandas, h5py,
# rich, ml-dtypes and their dependencies; no Keras, no Jupyter): Keras and what it imports, the
# notebook runner (nbclient, nbformat, jupyter_client, jupyter_core), the kernel (ipykernel,
# IPython), and what the notebooks import besides (myst_nb's glue with docutils, ipywidgets,
# tqdm, PyYAML for tools/list_notebooks.py). One wheel each, for CPython 3.12 on
# manylinux x86_64, pinned to the versions of the book's .venv (requirements.txt and
# `pip freeze`). No dependency resolution at install time: run.sh installs with --no-deps, so
# this list is the whole closure (checked with `pip install --dry-run --report` for 3.12).
#
#   bash bench/gpu/wheels.sh            # PYTHON=... to pick the python that runs pip
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3}

WHEELS=(
  # Keras 3 and its imports (numpy, h5py, rich, ml-dtypes, packaging are on the machine)
  keras==3.15.1 namex==0.1.0 optree==0.20.0 absl-py==2.5.1
  # running notebooks: nbclient -> jupyter_client -> pyzmq, tornado; nbformat -> jsonschema
  nbclient==0.11.0 nbformat==5.11.1 jupyter_client==8.10.0 jupyter_core==5.9.1
  traitlets==5.16.1 platformdirs==4.14.9 pyzmq==27.3.0 tornado==6.6.1
  fastjsonschema==2.22.3 jsonschema==4.26.0 jsonschema-specifications==2025.9.1
  referencing==0.37.0 rpds-py==2026.9.1 attrs==26.1.0
  # the kernel: ipykernel and IPython with their dependencies
  ipykernel==7.4.0 comm==0.2.3 debugpy==1.8.22 nest-asyncio2==1.7.4 psutil==7.2.2
  matplotlib-inline==0.2.2 ipython==9.18.1 ipython_pygments_lexers==1.1.1 jedi==0.20.1
  parso==0.8.7 pexpect==4.9.0 ptyprocess==0.7.0 prompt_toolkit==3.0.53 wcwidth==0.9.4
  stack-data==0.6.3 asttokens==3.0.2 executing==2.3.0 pure_eval==0.2.4
  # what the notebooks and tools import besides: glue (myst_nb.ext.glue needs docutils only;
  # myst-nb's Sphinx dependencies are for the book build), widgets, progress bars, _toc.yml
  myst-nb==1.4.0 docutils==0.21.2 ipywidgets==8.1.9 tqdm==4.70.1 PyYAML==6.0.4
)

mkdir -p .whl
# .whl/ travels with `run`'s carry, so git must ignore it (gpu-out/ is run.sh's local default)
exclude="$(git rev-parse --git-common-dir 2>/dev/null)/info/exclude" || exclude=""
if [ -n "$exclude" ] && [ -d "$(dirname "$exclude")" ]; then
  for line in /.whl/ /gpu-out/; do
    grep -qxF "$line" "$exclude" 2>/dev/null || echo "$line" >> "$exclude"
  done
fi

for spec in "${WHEELS[@]}"; do
  name=${spec%%==*}
  norm=$(echo "$name" | tr 'A-Z-' 'a-z_')
  version=${spec##*==}
  if ls .whl 2>/dev/null | tr 'A-Z-' 'a-z_' | grep -q "^${norm}-${version}-"; then
    continue  # already here
  fi
  "$PYTHON" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    --platform manylinux1_x86_64 -d .whl "$spec"
done

count=$(ls .whl/*.whl | wc -l)
bytes=$(du -cb .whl/*.whl | tail -1 | cut -f1)
echo "$count wheels in .whl/: $(awk -v b="$bytes" 'BEGIN {printf "%.1f MiB", b / 1048576}')"
if [ "$bytes" -gt $((40 * 1048576)) ]; then
  echo "over 40 MiB: too big to carry comfortably" >&2
  exit 1
fi

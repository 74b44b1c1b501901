#!/bin/sh
# Installs what the test suite and the bench need when a fresh machine lacks it:
# a real Jupyter Server with ipykernel and the classic Notebook server (Debian
# packages) and openssl (the fake Kubernetes API server makes its own CA with
# it). Needs root or sudo.
set -eu
missing=""
/usr/bin/python3 -c "import jupyter_server, ipykernel" 2>/dev/null ||
  missing="$missing python3-jupyter-server python3-ipykernel"
# The classic Notebook server (6.x), the other server kind the Jupyter tests run.
/usr/bin/python3 -c "import notebook" 2>/dev/null || missing="$missing jupyter-notebook"
# A real JupyterHub (3.0, with configurable-http-proxy) spawns a single-user server for them too.
/usr/bin/python3 -c "import jupyterhub" 2>/dev/null && command -v configurable-http-proxy >/dev/null ||
  missing="$missing jupyterhub"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
# The subprocess executor's plot, memory-ceiling and containment tests use these.
/usr/bin/python3 -c "import numpy, pandas, matplotlib" 2>/dev/null ||
  missing="$missing python3-numpy python3-pandas python3-matplotlib"
# The local executor's plot tests draw with Debian's matplotlib.
/usr/bin/python3 -c "import matplotlib" 2>/dev/null || missing="$missing python3-matplotlib"
[ -z "$missing" ] && exit 0
echo "sidekernel tests: installing$missing from Debian packages ..." >&2
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >&2

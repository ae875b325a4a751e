#!/usr/bin/env bash
# Creates bench/.venv (git-ignored) with the Python competitors of the client benchmarks:
# the DataStax Python driver (cassandra-driver, manylinux wheel with its Cython extensions and
# the libev reactor), async-cassandra, which wraps it for asyncio, and lz4 (the driver's LZ4
# codec, used only with load.py --compression lz4).
#
# async-cassandra declares Requires-Python >= 3.12. This script looks for a 3.12+ interpreter
# (BENCH_PYTHON, python3.12/python3.13 on PATH, pyenv's installed versions, /usr/bin); with none
# it falls back to python3 (3.11 here) and installs async-cassandra with --ignore-requires-python.
# Idempotent: an existing venv with the pinned versions is left as it is.
#
#   bash bench/python/setup.sh            # then: bench/.venv/bin/python bench/python/load.py ...
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${BENCH_VENV:-$(cd "$here/.." && pwd)/.venv}"

CASSANDRA_DRIVER_VERSION="${CASSANDRA_DRIVER_VERSION:-3.30.1}"
ASYNC_CASSANDRA_VERSION="${ASYNC_CASSANDRA_VERSION:-0.0.1}"
LZ4_VERSION="${LZ4_VERSION:-4.4.5}"

# Prints the path of a working interpreter whose version is at least 3.$1, or nothing.
find_python() {
  local min="$1" cand
  local -a cands=()
  [[ -n "${BENCH_PYTHON:-}" ]] && cands+=("$BENCH_PYTHON")
  cands+=(python3.12 python3.13)
  if command -v pyenv >/dev/null 2>&1; then
    local root; root="$(pyenv root)"
    for cand in "$root"/versions/3.12*/bin/python3 "$root"/versions/3.13*/bin/python3; do
      [[ -x "$cand" ]] && cands+=("$cand")
    done
  fi
  for cand in "${HOME:-/root}"/.pyenv/versions/3.12*/bin/python3 /usr/bin/python3.12 /usr/bin/python3.13 python3; do
    cands+=("$cand")
  done
  for cand in "${cands[@]}"; do
    # pyenv shims exist for versions that are not selected and fail when run: try each one.
    if "$cand" -c "import sys, venv, ssl; sys.exit(0 if sys.version_info >= (3, $min) else 1)" >/dev/null 2>&1; then
      "$cand" -c 'import sys; print(sys.executable)'
      return 0
    fi
  done
  return 1
}

if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" - "$CASSANDRA_DRIVER_VERSION" "$ASYNC_CASSANDRA_VERSION" "$LZ4_VERSION" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version
want = dict(zip(["cassandra-driver", "async-cassandra", "lz4"], sys.argv[1:]))
sys.exit(0 if all(version(name) == v for name, v in want.items()) else 1)
PY
then
  echo "bench/.venv is ready ($("$venv/bin/python" --version))"
  exit 0
fi

py="$(find_python 12 || true)"
ignore_requires=()
if [[ -z "$py" ]]; then
  py="$(find_python 9 || true)"
  [[ -n "$py" ]] || { echo "setup.sh: no python3 >= 3.9 found" >&2; exit 1; }
  echo "setup.sh: no Python >= 3.12 found; using $("$py" --version) and installing async-cassandra against its Requires-Python" >&2
  ignore_requires=(--ignore-requires-python)
fi

rm -rf "$venv"
"$py" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
# Binary wheel only: the manylinux wheel carries the Cython-compiled modules and libev.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=cassandra-driver,lz4 \
  "cassandra-driver==$CASSANDRA_DRIVER_VERSION" "lz4==$LZ4_VERSION"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${ignore_requires[@]}" \
  "async-cassandra==$ASYNC_CASSANDRA_VERSION"
"$venv/bin/python" - <<'PY'
import sys
from importlib.metadata import version
import cassandra, async_cassandra  # noqa: F401
from cassandra.cluster import Cluster
from cassandra.io.libevreactor import LibevConnection  # fails if the wheel had no libev
print(f"bench/.venv: Python {sys.version.split()[0]}, cassandra-driver {version('cassandra-driver')}"
      f" (compiled: {cassandra.cluster.__file__.endswith('.so')}, reactor: {Cluster.connection_class.__name__}),"
      f" async-cassandra {version('async-cassandra')}")
PY

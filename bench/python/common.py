"""Helpers shared by the Python benchmark processes (load.py, stream.py).

Imported as a sibling module: Python puts the running script's directory first on sys.path.
"""

from __future__ import annotations

import asyncio
import logging
import platform
import resource
import sys
import time
from importlib.metadata import version as pkg_version
from typing import Any, Callable, List, Optional


def cluster_options(host: str, port: str, protocol: Optional[str], compression: str) -> dict:
    """Connect options equivalent to the Node runs': no schema or token metadata, no heartbeat."""
    opts: dict = {
        "contact_points": [host],
        "port": int(port),
        "schema_metadata_enabled": False,
        "token_metadata_enabled": False,
        "idle_heartbeat_interval": 0,
        # The driver compresses by default when lz4/snappy is importable: say it explicitly.
        "compression": "lz4" if compression == "lz4" else False,
    }
    if protocol is not None:
        opts["protocol_version"] = int(protocol)
    return opts


ROW_FACTORIES = ["named_tuple", "tuple", "dict"]


def set_row_factory(session: Any, name: str) -> None:
    """Sets the driver Session's row factory (legacy attribute: no execution profiles here)."""
    from cassandra.query import dict_factory, named_tuple_factory, tuple_factory

    factory = {"named_tuple": named_tuple_factory, "tuple": tuple_factory, "dict": dict_factory}[name]
    if session.row_factory is not factory:
        session.row_factory = factory


def percentile(sorted_values: List[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def describe(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"[:300]


async def loop_lag(lags: List[float], stop: asyncio.Event) -> None:
    """A 1 ms ticker: how late each tick fires is the loop's lag (ms)."""
    while not stop.is_set():
        t0 = time.perf_counter()
        await asyncio.sleep(0.001)
        lags.append(max(0.0, (time.perf_counter() - t0) * 1000.0 - 1.0))


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def runtime() -> str:
    """What ran underneath, e.g. `CPython 3.12.1, cassandra-driver 3.30.1 (Cython, LibevConnection)`."""
    import cassandra.cluster as cc
    from cassandra.cluster import Cluster

    compiled = cc.__file__.endswith(".so")
    return (
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"cassandra-driver {pkg_version('cassandra-driver')} "
        f"({'Cython' if compiled else 'pure Python'}, {Cluster.connection_class.__name__})"
    )


def shutdown_async_cluster(cluster: Any) -> None:
    """Ends an AsyncCluster's driver without its close() (AsyncCluster.close() and
    AsyncCassandraSession.close() each sleep 5 s after shutdown, which would only lengthen the
    process, not the measurement)."""
    cluster._cluster.shutdown()


def run_main(name: str, main: Callable[[], None]) -> None:
    """Runs `main`; a failure is one line `<name>: <error>` on stderr and exit status 1."""
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    try:
        main()
    except Exception as err:  # noqa: BLE001 - one line on stderr, exit 1, as the Node runs do
        sys.stderr.write(f"{name}: {type(err).__name__}: {err}\n")
        sys.exit(1)

"""One run of the `stream` suite for one Python driver, in its own process.

The Python counterpart of bench/stream/stream-load.ts: the same query (every row of
bench.stream_rows, prepared, fetch size 5000), every column of every row read the same way
(the same checksum), the same JSON line on stdout (StreamRunLine, plus `checksum`, `seconds`
and `runtime`).

    bench/.venv/bin/python bench/python/stream.py --driver async-cassandra|python-driver
        [--host 127.0.0.1 --port 9042 --fetch-size 5000] [--limit N]
        [--protocol 4|5] [--row-factory named_tuple|tuple|dict]

Drivers:
  python-driver    the DataStax Python driver (cassandra-driver) alone: session.execute() of the
                   prepared statement with fetch_size, then iterating its ResultSet, which
                   fetches the next page synchronously (ResultSet.fetch_next_page) when the
                   current one is consumed. No asyncio: eventLoopP99Ms is null.
  async-cassandra  async-cassandra's streaming API on the default asyncio loop:
                   `async with await session.execute_stream(ps, stream_config=StreamConfig(
                   fetch_size=N)) as rows: async for row in rows`, with a 1 ms sleeping probe
                   task measuring the loop's lag (as load.py does).

--limit N appends `LIMIT N` to the query (by-hand smoke runs on the loaded table; the suite
streams the whole table). Exit status 1 with a message on stderr when the run cannot start.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from importlib.metadata import version as pkg_version
from typing import Any, Callable, List, Optional

from common import (
    ROW_FACTORIES,
    cluster_options,
    loop_lag,
    peak_rss_mb,
    percentile,
    run_main,
    runtime,
    set_row_factory,
    shutdown_async_cluster,
)

REQUEST_TIMEOUT_S = 60.0  # stream-load.ts: timeoutMs / readTimeout 60 000 (per page)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--driver", default="async-cassandra", choices=["async-cassandra", "python-driver"])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", default="9042")
    p.add_argument("--fetch-size", type=int, default=5000)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--protocol", default=None, choices=["4", "5"])
    p.add_argument("--row-factory", default="named_tuple", choices=ROW_FACTORIES)
    p.add_argument("--keyspace", default="bench")
    p.add_argument("--table", default="stream_rows")
    return p.parse_args()


A = parse_args()
QUERY = f"SELECT p, c, id, payload FROM {A.keyspace}.{A.table}" + (f" LIMIT {A.limit}" if A.limit is not None else "")


def row_reader() -> Callable[[Any], int]:
    """What stream-load.ts adds to its checksum for each row: c + payload length + (id present)."""
    if A.row_factory == "dict":
        return lambda r: r["c"] + len(r["payload"]) + (0 if r["id"] is None else 1)
    if A.row_factory == "tuple":
        return lambda r: r[1] + len(r[3]) + (0 if r[2] is None else 1)
    return lambda r: r.c + len(r.payload) + (0 if r.id is None else 1)


class Tally:
    """Rows seen and their checksum, over the measured window (CPU, wall clock)."""

    def __init__(self) -> None:
        self.rows = 0
        self.checksum = 0
        self.cpu0 = time.process_time()
        self.t0 = time.perf_counter()
        self.seconds = 0.0
        self.cpu = 0.0

    def stop(self) -> None:
        self.seconds = time.perf_counter() - self.t0
        self.cpu = time.process_time() - self.cpu0  # user + sys of every thread of the process


# --- python-driver: ResultSet paging ----------------------------------------------------------


def python_driver_main() -> dict:
    from cassandra.cluster import Cluster

    cluster = Cluster(**cluster_options(A.host, A.port, A.protocol, "none"))
    try:
        session = cluster.connect()
        set_row_factory(session, A.row_factory)
        read = row_reader()
        # The window starts before prepare, as stream-load.ts's does (its drivers prepare inside stream()).
        tally = Tally()
        prepared = session.prepare(QUERY)
        prepared.fetch_size = A.fetch_size
        rows = 0
        checksum = 0
        for row in session.execute(prepared, timeout=REQUEST_TIMEOUT_S):
            rows += 1
            checksum += read(row)
        tally.stop()
        tally.rows, tally.checksum = rows, checksum
        return result(pkg_version("cassandra-driver"), cluster.protocol_version, tally, None)
    finally:
        cluster.shutdown()


# --- async-cassandra: execute_stream ----------------------------------------------------------


async def async_cassandra_main() -> dict:
    from async_cassandra import AsyncCluster, StreamConfig

    cluster = AsyncCluster(**cluster_options(A.host, A.port, A.protocol, "none"))
    try:
        session = await cluster.connect()
        # async-cassandra has no row-factory option: set it on the driver Session it wraps.
        set_row_factory(session._session, A.row_factory)
        read = row_reader()
        lags: List[float] = []
        stop = asyncio.Event()
        probe = asyncio.create_task(loop_lag(lags, stop))
        tally = Tally()
        prepared = await session.prepare(QUERY)
        rows = 0
        checksum = 0
        # timeout: the driver's per-request timeout, applied to each page's request.
        config = StreamConfig(fetch_size=A.fetch_size)
        async with await session.execute_stream(prepared, stream_config=config, timeout=REQUEST_TIMEOUT_S) as stream:
            async for row in stream:
                rows += 1
                checksum += read(row)
        tally.stop()
        tally.rows, tally.checksum = rows, checksum
        stop.set()
        await probe
        lags.sort()
        return result(pkg_version("async-cassandra"), cluster._cluster.protocol_version, tally, percentile(lags, 0.99))
    finally:
        shutdown_async_cluster(cluster)


# --- result ------------------------------------------------------------------------------------


def result(driver_version: str, protocol_version: int, tally: Tally, loop_p99: Optional[float]) -> dict:
    rows = tally.rows
    return {
        "driver": A.driver,
        "driverVersion": driver_version,
        "protocolVersion": int(protocol_version),
        "rows": rows,
        "checksum": tally.checksum,
        "seconds": tally.seconds,
        "rowsPerSec": rows / tally.seconds if tally.seconds > 0 else 0.0,
        "cpuUsPerOp": tally.cpu * 1e6 / rows if rows > 0 else 0.0,
        "rssMb": peak_rss_mb(),
        "eventLoopP99Ms": loop_p99,
        "compression": "none",
        # Extra (not in stream-load.ts's line): fetch size, row factory and what ran underneath.
        "fetchSize": A.fetch_size,
        "rowFactory": A.row_factory,
        "runtime": runtime(),
    }


def main() -> None:
    out = python_driver_main() if A.driver == "python-driver" else asyncio.run(async_cassandra_main())
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    run_main("stream.py", main)

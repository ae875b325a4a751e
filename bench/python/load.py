"""One load run of one Python driver against one server, in its own process.

The Python counterpart of bench/client/load.ts: same arguments, same JSON line on stdout
(LoadResult), so the bench harness can spawn either the same way.

    bench/.venv/bin/python bench/python/load.py --driver async-cassandra|python-driver
        --host 127.0.0.1 --port P --op select|insert --concurrency C --seconds S
        [--warmup-seconds W] [--protocol 4|5] [--compression none|lz4]
        [--row-factory named_tuple|tuple|dict]   (Python only; default: the driver's, named_tuple)

Drivers:
  python-driver    the DataStax Python driver (cassandra-driver) alone. `concurrency` chains of
                   Session.execute_async: each ResponseFuture callback starts the chain's next
                   request on the driver's I/O thread, which is how cassandra.concurrent's
                   execute_concurrent keeps a bounded number in flight. No asyncio:
                   eventLoopP99Ms is null.
  async-cassandra  the async-cassandra package (AsyncCluster / AsyncCassandraSession) on the
                   default asyncio loop: `concurrency` tasks, each awaiting one
                   session.execute() at a time (as load.ts's workers do).

Exit status 1 with a message on stderr when the run cannot start (no server, a protocol
version the driver refuses: async-cassandra accepts protocol v5 only).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import sys
import threading
import time
from importlib.metadata import version as pkg_version
from typing import Any, Callable, List, Optional

from common import (
    ROW_FACTORIES,
    cluster_options,
    describe,
    loop_lag,
    peak_rss_mb,
    percentile,
    run_main,
    runtime,
    set_row_factory,
    shutdown_async_cluster,
)

VALUE = b"a" * 100  # the responder's value: 100 bytes of 0x61
REQUEST_TIMEOUT_S = 30.0  # load.ts: timeoutMs / readTimeout 30 000


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--driver", default="async-cassandra", choices=["async-cassandra", "python-driver"])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", default="9042")
    p.add_argument("--op", default="select", choices=["select", "insert"])
    p.add_argument("--concurrency", default="256")
    p.add_argument("--seconds", default="5")
    p.add_argument("--warmup-seconds", default="2")
    p.add_argument("--protocol", default=None, choices=["4", "5"])
    p.add_argument("--compression", default="none", choices=["none", "lz4"])
    # Not in load.ts: the driver's default named_tuple_factory builds a namedtuple class for
    # every result, which dominates the cost of a one-row SELECT; `tuple` shows the driver without it.
    p.add_argument("--row-factory", default="named_tuple", choices=ROW_FACTORIES)
    p.add_argument("--keyspace", default="bench")
    p.add_argument("--table", default="kv")
    return p.parse_args()


A = parse_args()
SELECT_CQL = f"SELECT key, value FROM {A.keyspace}.{A.table} WHERE key = ?"
INSERT_CQL = f"INSERT INTO {A.keyspace}.{A.table} (key, value) VALUES (?, ?)"


def statement_params(op: str) -> Callable[[int], tuple]:
    return (lambda k: (k,)) if op == "select" else (lambda k: (k, VALUE))


class Run:
    """What one drive (warm-up or measured) collected."""

    def __init__(self) -> None:
        self.latencies: List[float] = []  # ms, one per successful op (list.append is atomic)
        self.errors = 0
        self.first_error: Optional[str] = None
        self._lock = threading.Lock()

    def failed(self, err: BaseException) -> None:
        with self._lock:
            self.errors += 1
            if self.first_error is None:
                self.first_error = describe(err)


# --- python-driver: ResponseFuture callback chains -------------------------------------------


def drive_callbacks(session: Any, prepared: Any, concurrency: int, seconds: float) -> Run:
    run = Run()
    params = statement_params(A.op)
    keys = itertools.count()  # next() on a C iterator is atomic under the GIL
    deadline = time.perf_counter() + seconds
    done = threading.Event()
    lock = threading.Lock()
    live = [concurrency]

    def chain_ended() -> None:
        with lock:
            live[0] -= 1
            if live[0] == 0:
                done.set()

    def launch() -> None:
        if time.perf_counter() >= deadline:
            chain_ended()
            return
        t0 = time.perf_counter()
        try:
            future = session.execute_async(prepared, params(next(keys) & 0xFFFF), timeout=REQUEST_TIMEOUT_S)
        except Exception as err:  # noqa: BLE001 - counted like a failed request
            on_error(err, t0)
            return
        future.add_callbacks(on_ok, on_error, callback_args=(t0,), errback_args=(t0,))

    def on_ok(_rows: Any, t0: float) -> None:
        run.latencies.append((time.perf_counter() - t0) * 1000.0)
        launch()

    def on_error(err: BaseException, _t0: float) -> None:
        run.failed(err)
        # Back off 1 ms as load.ts does, off the I/O thread (and without recursing).
        threading.Timer(0.001, launch).start()

    for _ in range(concurrency):
        launch()
    done.wait()
    return run


def python_driver_main(concurrency: int) -> dict:
    from cassandra.cluster import Cluster

    cluster = Cluster(**cluster_options(A.host, A.port, A.protocol, A.compression))
    try:
        session = cluster.connect()
        set_row_factory(session, A.row_factory)
        prepared = session.prepare(SELECT_CQL if A.op == "select" else INSERT_CQL)
        session.execute(prepared, statement_params(A.op)(0), timeout=REQUEST_TIMEOUT_S)
        drive_callbacks(session, prepared, concurrency, float(A.warmup_seconds))
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        run = drive_callbacks(session, prepared, concurrency, float(A.seconds))
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        return result(
            driver_version=pkg_version("cassandra-driver"),
            protocol_version=cluster.protocol_version,
            run=run,
            elapsed=elapsed,
            cpu=cpu,
            loop_p99=None,
        )
    finally:
        cluster.shutdown()


# --- async-cassandra: asyncio tasks ----------------------------------------------------------


async def drive_tasks(session: Any, prepared: Any, concurrency: int, seconds: float) -> Run:
    run = Run()
    params = statement_params(A.op)
    keys = itertools.count()
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                await session.execute(prepared, params(next(keys) & 0xFFFF), timeout=REQUEST_TIMEOUT_S)
                run.latencies.append((time.perf_counter() - t0) * 1000.0)
            except Exception as err:  # noqa: BLE001 - counted, as load.ts does
                run.failed(err)
                await asyncio.sleep(0.001)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return run


async def async_cassandra_main(concurrency: int) -> dict:
    from async_cassandra import AsyncCluster

    # Its own defaults otherwise (executor_threads=2, TokenAware(DCAwareRoundRobin), its retry
    # policy); it refuses protocol_version < 5 and connections that negotiate below v5.
    cluster = AsyncCluster(**cluster_options(A.host, A.port, A.protocol, A.compression))
    try:
        session = await cluster.connect()
        # async-cassandra has no row-factory option: set it on the driver Session it wraps.
        set_row_factory(session._session, A.row_factory)
        prepared = await session.prepare(SELECT_CQL if A.op == "select" else INSERT_CQL)
        await session.execute(prepared, statement_params(A.op)(0), timeout=REQUEST_TIMEOUT_S)
        await drive_tasks(session, prepared, concurrency, float(A.warmup_seconds))
        lags: List[float] = []
        stop = asyncio.Event()
        ticker = asyncio.create_task(loop_lag(lags, stop))
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        run = await drive_tasks(session, prepared, concurrency, float(A.seconds))
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        stop.set()
        await ticker
        lags.sort()
        return result(
            driver_version=pkg_version("async-cassandra"),
            protocol_version=cluster._cluster.protocol_version,
            run=run,
            elapsed=elapsed,
            cpu=cpu,
            loop_p99=percentile(lags, 0.99),
        )
    finally:
        shutdown_async_cluster(cluster)


# --- result ------------------------------------------------------------------------------------


def result(driver_version: str, protocol_version: int, run: Run, elapsed: float, cpu: float, loop_p99: Optional[float]) -> dict:
    lat = sorted(run.latencies)
    ops = len(lat)
    return {
        "driver": A.driver,
        "driverVersion": driver_version,
        "protocolVersion": int(protocol_version),
        "op": A.op,
        "concurrency": int(A.concurrency),
        "ops": ops,
        "errors": run.errors,
        "firstError": run.first_error,
        "seconds": elapsed,
        "opsPerSec": ops / elapsed if elapsed > 0 else 0.0,
        "p50Ms": percentile(lat, 0.5),
        "p99Ms": percentile(lat, 0.99),
        "p999Ms": percentile(lat, 0.999),
        "cpuUsPerOp": cpu * 1e6 / ops if ops > 0 else 0.0,
        "rssMb": peak_rss_mb(),
        "eventLoopP99Ms": loop_p99,
        # CPUs the kernel lets this process use: shows whether the harness's taskset took effect.
        "cpusAllowed": cpus_allowed(),
        "tuned": None,
        # Extra (not in LoadResult): the row factory and what ran underneath.
        "rowFactory": A.row_factory,
        "runtime": runtime(),
    }


def cpus_allowed():
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None
    return ",".join(str(c) for c in cpus)


def main() -> None:
    concurrency = int(A.concurrency)
    if A.driver == "python-driver":
        out = python_driver_main(concurrency)
    else:
        out = asyncio.run(async_cassandra_main(concurrency))
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    run_main("load.py", main)

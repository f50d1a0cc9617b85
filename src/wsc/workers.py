"""The thread policy on Dask workers: each task on one core, parallelism from the tasks.

A worker runs as many tasks at once as it has threads, so a task's own libraries must not
spread over the cores as well: BLAS (OpenBLAS through threadpoolctl) and faiss's OpenMP run
on one thread inside every task, the rule `wsc.threads.cleaner_threads` applies to BLAS on
one machine. Installed as a worker plugin, so a worker that joins later (a restarted one
after a crash) gets it too.
"""
from __future__ import annotations

from typing import Any

PLUGIN_NAME = "wsc-threads"


def limit_worker_threads() -> None:
    """BLAS and faiss's OpenMP on one thread in this process (faiss after BLAS: limiting
    its OpenMP-built OpenBLAS resets OpenMP's count, wsc.threads)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
    try:
        import faiss
    except ImportError:  # faiss is a dependency; kept optional for the bottom layer
        return
    faiss.omp_set_num_threads(1)


def install_thread_policy(client: Any) -> None:
    """Register the one-thread policy on every worker of client's cluster, present and future."""
    from distributed.diagnostics.plugin import WorkerPlugin

    class _Threads(WorkerPlugin):
        name = PLUGIN_NAME

        def setup(self, worker: Any) -> None:
            limit_worker_threads()

    client.register_plugin(_Threads(), name=PLUGIN_NAME)

"""One thread policy for the cleaner: BLAS single-threaded, the cores shared out by the caller.

OpenBLAS (NumPy/SciPy), faiss's OpenMP and Numba each keep their own pool. The cleaner's
matrix products are small (n x d times d x K) and two BLAS threads on them cost more in
synchronisation than they gain (measured 4x slower on 2 cores, docs/scale.md), so BLAS runs
on one thread; the cores are used instead by independent work (one fold per thread, see
`map_threads`) and by the neighbour searches, where faiss's OpenMP threads pay off.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def n_cores() -> int:
    """Cores this process may use (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def cleaner_threads(n_jobs: int | None = None) -> Iterator[int]:
    """BLAS limited to one thread, faiss's OpenMP to n_jobs; yields n_jobs (default: all cores).

    faiss's OpenMP count is set after the BLAS limit: faiss ships an OpenMP-built OpenBLAS,
    and limiting BLAS through it sets OpenMP's thread count to 1 as well (measured: faiss
    then searched on one core)."""
    from threadpoolctl import threadpool_limits

    jobs = n_cores() if n_jobs is None else max(1, int(n_jobs))
    with threadpool_limits(limits=1, user_api="blas"):
        try:
            import faiss
        except ImportError:  # faiss is a dependency; kept optional for the bottom layer
            yield jobs
            return
        before = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(jobs)
        try:
            yield jobs
        finally:
            faiss.omp_set_num_threads(before)


def map_threads(func: Callable[[T], R], items: Iterable[T], n_jobs: int,
                report: Callable[[int, int, float], None] | None = None) -> list[R]:
    """func over items on n_jobs threads, results in item order (deterministic: each item's
    work is independent). Worth it where func releases the GIL (sparse products, BLAS,
    Numba nogil loops). report(done, total, seconds_left) after each item, the time left
    extrapolated from the items done so far."""
    items = list(items)
    start, done = time.perf_counter(), 0

    def tick() -> None:
        nonlocal done
        done += 1
        if report is not None:
            elapsed = time.perf_counter() - start
            report(done, len(items), elapsed / done * (len(items) - done))

    if n_jobs <= 1 or len(items) <= 1:
        out = []
        for item in items:
            out.append(func(item))
            tick()
        return out
    with ThreadPoolExecutor(max_workers=min(n_jobs, len(items))) as pool:
        futures = [pool.submit(func, item) for item in items]
        for _ in as_completed(futures):
            tick()
        return [f.result() for f in futures]

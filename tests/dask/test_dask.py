"""The cleaner on a real Dask cluster (distributed.LocalCluster, 2 worker processes with
nannies): the same answer as on one machine, in both modes, after a worker is killed too."""
from __future__ import annotations

import logging
import os
import signal

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

distributed = pytest.importorskip("distributed", reason="distributed not installed: make setup")

from wsc.cli import main  # noqa: E402
from wsc.datasets.au_synth import make_au_data  # noqa: E402
from wsc.embedding.batch import random_init, solve_batch  # noqa: E402
from wsc.embedding.dask import BlockLaplacian, solve_tasks  # noqa: E402
from wsc.embedding.groups import GroupScatter  # noqa: E402
from wsc.graph.affinity import knn_affinity  # noqa: E402
from wsc.graph.dask import partition_bounds, sharded_kneighbors  # noqa: E402
from wsc.graph.knn import kneighbors  # noqa: E402
from wsc.graph.laplacian import laplacian, symmetric_part  # noqa: E402
from wsc.reannotation import WSC  # noqa: E402
from wsc.threads import cleaner_threads  # noqa: E402
from wsc.workers import install_thread_policy  # noqa: E402

FAST = dict(vote_neighbors=5, cluster_neighbors=15, n_neighbors=10, n_components=5, n_jobs=2)


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            distributed.Client(cluster) as c:
        install_thread_policy(c)
        yield c


@pytest.fixture(scope="module")
def au():
    data = make_au_data(700, n_features=24, n_subjects=20, random_state=3)
    return data.X, data.Y_noisy[:, :3]


def same_fit(a: WSC, b: WSC) -> None:
    np.testing.assert_array_equal(a.label_codes_, b.label_codes_)
    np.testing.assert_array_equal(a.confidence_, b.confidence_)
    np.testing.assert_array_equal(a.clusters_, b.clusters_)
    np.testing.assert_array_equal(a.kept_, b.kept_)


def test_partition_bounds_cover_aligned():
    bounds = partition_bounds(2500, 2, align=1024)
    assert bounds == [(0, 2048), (2048, 2500)]
    assert partition_bounds(10, 3) == [(0, 4), (4, 8), (8, 10)]


@pytest.mark.parametrize("n,d,k", [(2500, 32, 30), (2500, 16, 100), (3100, 8, 7)])
def test_sharded_exact_search_equals_local(client, n, d, k):
    X = np.random.default_rng(n + k).standard_normal((n, d)).astype(np.float32)
    X[10:40] = X[:30]            # exact duplicates: ties broken by row id on both sides
    with cleaner_threads(2) as jobs:
        local = kneighbors(X, k)
    i, dist = sharded_kneighbors(client, X, k, threads=jobs, n_shards=3)
    np.testing.assert_array_equal(i, local[0])
    np.testing.assert_array_equal(dist, local[1])


def test_sharded_ivf_search_equals_local(client):
    """Above 20k rows (the cell search): the same cells, and each shard's candidates
    distanced pair by pair, so the merged lists are the local ones, bit for bit."""
    X = np.random.default_rng(5).standard_normal((20_500, 40)).astype(np.float32)
    X[100:130] = X[:30]            # exact duplicates: ties broken by row id on both sides
    with cleaner_threads(2):
        local = kneighbors(X, 10)
    i, dist = sharded_kneighbors(client, X, 10, n_shards=3)
    np.testing.assert_array_equal(i, local[0])
    np.testing.assert_array_equal(dist, local[1])


def test_partitioned_votes_equal_local(client):
    """The neighbour votes by row partitions on the workers: the local probabilities, bit
    for bit, for the feature vote and the held-out vote (own-fold neighbours silent)."""
    from wsc.reannotation.dask import partitioned_votes
    from wsc.reannotation.votes import neighbour_proba

    rng = np.random.default_rng(7)
    n = 3001
    indices = rng.integers(0, n, (n, 10))
    codes = rng.integers(-1, 3, n)
    folds = rng.integers(0, 5, n)
    columns = np.stack([codes, rng.integers(-1, 2, n)], axis=1)
    plain = partitioned_votes(client, indices, columns, [3, 2])
    silenced = partitioned_votes(client, indices, columns, [3, 2], folds)
    for j, K in enumerate([3, 2]):
        np.testing.assert_array_equal(plain[j], neighbour_proba(indices, columns[:, j], K))
        silent = np.where(folds[indices] == folds[:, None], -1, columns[:, j][indices])
        np.testing.assert_array_equal(silenced[j], neighbour_proba(silent, columns[:, j], K,
                                                                   neighbour_codes=True))


def test_block_laplacian_solve_equals_sparse(client):
    X = np.random.default_rng(2).standard_normal((900, 6)).astype(np.float32)
    L = symmetric_part(laplacian(knn_affinity(X, 10), "symmetric"))
    codes = np.random.default_rng(3).integers(-1, 3, 900)
    W0 = random_init(900, 4, 0)
    blocks = BlockLaplacian(client, L, partition_bounds(900, 3))
    np.testing.assert_array_equal(blocks @ W0, (L @ W0.astype(np.float32)).astype(np.float64))
    local = solve_batch(L, GroupScatter(codes), W0, 1.0)
    remote = solve_batch(blocks, GroupScatter(codes), W0, 1.0)
    np.testing.assert_array_equal(local[0], remote[0])
    assert local[2] == remote[2]
    with pytest.raises(ValueError, match="rows"):
        blocks @ W0[:10]


def test_solves_as_tasks_equal_local(client):
    """Each solve is one task on a worker (its products block tasks): the same W as the
    local solve, bit for bit, in the order asked, with fewer slots than solves."""
    X = np.random.default_rng(4).standard_normal((800, 6)).astype(np.float32)
    L = symmetric_part(laplacian(knn_affinity(X, 10), "symmetric"))
    rng = np.random.default_rng(5)
    codes = [rng.integers(-1, k, 800) for k in (2, 3, 4)]
    W0 = random_init(800, 4, 1)
    blocks = BlockLaplacian(client, L, partition_bounds(800, 2))
    reports = []
    with distributed.get_task_stream(client) as stream:
        remote = solve_tasks(blocks, codes, W0, 0.5, lambda *a: reports.append(a), at_once=2)
    for c, W in zip(codes, remote):
        np.testing.assert_array_equal(W, solve_batch(L, GroupScatter(c), W0, 0.5)[0])
    solves = {t["key"] for t in stream.data if "wse-solve" in str(t["key"])}
    assert len(solves) == 3
    assert [r[:2] for r in reports] == [(1, 3), (2, 3), (3, 3)]


@pytest.mark.parametrize("mode", ["evidence", "paper"])
def test_cluster_gives_the_local_answer(client, au, mode):
    X, Y = au
    local = WSC(mode=mode, **FAST).fit(X, Y)
    remote = WSC(mode=mode, client=client, **FAST).fit(X, Y)
    same_fit(local, remote)
    assert remote.timings_.keys() == local.timings_.keys()


def test_killed_worker_same_answer(client, au):
    """A worker process is killed (SIGKILL) while the held-out WSE solves run; its nanny
    restarts it, Dask recomputes what it held, and the answer is still the local one."""
    X, Y = au
    local = WSC(**FAST).fit(X, Y)
    pids = client.run(os.getpid)
    victim_address, victim_pid = sorted(pids.items())[0]
    killed = []

    def progress(message: str) -> None:
        if message.startswith("held-out embedding 1/") and not killed:
            os.kill(victim_pid, signal.SIGKILL)
            killed.append(message)

    remote = WSC(client=client, progress=progress, **FAST).fit(X, Y)
    assert killed, "the worker was never killed: the progress message changed"
    same_fit(local, remote)
    client.wait_for_workers(2, timeout=60)
    assert victim_pid not in client.run(os.getpid).values()


def test_client_parameter_contract(client):
    model = WSC(client=client, **FAST)
    assert model.get_params()["client"] is client
    copy = clone(model)
    assert copy.client is client and copy is not model
    assert copy.get_params()["n_components"] == FAST["n_components"]
    assert clone(WSC()).client is None
    with pytest.raises(InvalidParameterError, match="client"):
        WSC(client="tcp://127.0.0.1:8786").fit(np.zeros((50, 2)), np.zeros(50))


def test_cli_dask_option(client, tmp_path, au, capsys):
    X, Y = au
    np.save(tmp_path / "X.npy", X)
    pd.DataFrame(Y, columns=["AU1", "AU2", "AU4"]).to_csv(tmp_path / "labels.csv", index=False)
    args = ["clean", "--features", str(tmp_path / "X.npy"), "--labels",
            str(tmp_path / "labels.csv"), "--vote-neighbors", "5", "--cluster-neighbors", "15",
            "--neighbors", "10", "--n-components", "5", "--jobs", "2", "--quiet"]
    assert main([*args, "--out", str(tmp_path / "local.csv")]) == 0
    assert main([*args, "--out", str(tmp_path / "dask.csv"),
                 "--dask", client.scheduler.address]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "local.csv"),
                                  pd.read_csv(tmp_path / "dask.csv"))
    capsys.readouterr()
    code = main([*args, "--out", str(tmp_path / "bad.csv"), "--dask", "no-port-here"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "cannot reach the Dask scheduler" in err[0]
    assert not (tmp_path / "bad.csv").exists()

"""The extraction job: items -> decoded images -> faces -> feature rows -> store chunks.

Chunks of items go to worker processes (or to a Dask cluster); only the parent writes
chunk files, each atomically, so a killed run loses at most the chunks in flight and a
rerun skips every id already stored.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from wsc.errors import InputError
from wsc.io import store as fs
from wsc.io.sources import FetchError, FetchPolicy, Item, default_cache, fetch_many

STORE_VERSION = 1
THUMB_QUALITY = 85


@dataclass(frozen=True)
class Settings:
    """Everything that decides a row's content (saved in the manifest) plus fetch limits."""

    model: str
    all_faces: bool = False
    blocks: tuple[str, ...] = ("geometry", "blendshapes", "appearance")
    align_size: int = 128
    pca: int = 64
    seed: int = 0
    cache: str = field(default_factory=lambda: str(default_cache()))
    fetch: FetchPolicy = field(default_factory=FetchPolicy)

    def recorded(self) -> dict:
        """The settings a store must keep to stay consistent across reruns."""
        return {"all_faces": self.all_faces, "blocks": list(self.blocks),
                "align_size": self.align_size, "pca": self.pca, "seed": self.seed}


_local = threading.local()


def landmarker_path(given: str | None) -> str:
    """The face landmarker model file, checked together with the face stack, as one-line
    errors (a missing file or package is the user's setup, not a bug)."""
    import importlib.util

    from wsc.faces.model import find_landmarker_model

    missing = [m for m in ("cv2", "mediapipe") if importlib.util.find_spec(m) is None]
    if missing:
        raise InputError(f"the face stack is not installed ({', '.join(missing)} missing): run "
                         "`make setup` (or install wsc[faces])")
    try:
        return str(find_landmarker_model(given))
    except FileNotFoundError as exc:
        raise InputError(str(exc), file=given) from None


def _analyzer(settings: Settings):
    """One FaceAnalyzer per worker thread and settings, built on first use."""
    from wsc.faces.analyzer import FaceAnalyzer

    key = (settings.model, settings.all_faces)
    if getattr(_local, "key", None) != key:
        import cv2

        cv2.setNumThreads(1)
        _local.analyzer, _local.key = FaceAnalyzer(settings.model, settings.all_faces), key
    return _local.analyzer


def _video_frames(items: list[Item]) -> dict[str, np.ndarray | str]:
    """RGB frames of frame items (sorted reads from the first wanted frame), or a reason."""
    import cv2

    out: dict[str, np.ndarray | str] = {}
    by_video: dict[str, list[Item]] = {}
    for it in items:
        by_video.setdefault(it.source, []).append(it)
    for video, its in by_video.items():
        its.sort(key=lambda i: i.frame)
        cap = cv2.VideoCapture(video)
        cap.set(cv2.CAP_PROP_POS_FRAMES, its[0].frame)
        pos = its[0].frame
        for it in its:
            while pos < it.frame and cap.grab():
                pos += 1
            ok, frame = cap.read() if pos == it.frame else (False, None)
            pos += ok
            out[it.id] = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if ok else "video: frame unreadable"
        cap.release()
    return out


def _inputs(items: list[Item], settings: Settings) -> Iterator[tuple[Item, np.ndarray | str]]:
    """Each item with its decoded RGB image, or the reason it has none."""
    from wsc.io.images import DecodeError, decode_image

    urls = [it.source for it in items if it.kind == "url"]
    fetched = fetch_many(urls, Path(settings.cache), settings.fetch) if urls else {}
    frames = _video_frames([it for it in items if it.kind == "frame"])
    for it in items:
        if it.kind == "frame":
            yield it, frames[it.id]
            continue
        if it.kind == "badname":
            yield it, "name: the file name is not valid UTF-8 (rename the file)"
            continue
        data = fetched[it.source] if it.kind == "url" else it.source
        if isinstance(data, FetchError):
            yield it, str(data)
            continue
        try:
            yield it, decode_image(data)
        except DecodeError as exc:
            yield it, exc.reason


def face_rows(it: Item, rgb: np.ndarray, settings: Settings) -> list[dict]:
    """Feature rows of every face kept in one image (empty when there is none)."""
    import cv2

    from wsc.faces.align import ALIGN_SIZE, align
    from wsc.features.blocks import AlignedFace, feature_vector

    rows = []
    for k, face in enumerate(_analyzer(settings).faces(rgb)):
        crop, _, points = align(rgb, face.landmarks, settings.align_size)
        # the blocks work on the 128 x 128 template frame whatever the thumbnail size
        grey = cv2.resize(cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY), (ALIGN_SIZE, ALIGN_SIZE),
                          interpolation=cv2.INTER_AREA)
        vec = feature_vector(AlignedFace(grey, points * (ALIGN_SIZE / settings.align_size),
                                         face.blendshapes), settings.blocks)
        ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(crop, cv2.COLOR_RGB2BGR),
                                [cv2.IMWRITE_JPEG_QUALITY, THUMB_QUALITY])
        rows.append({"id": it.id, "face": k, "source": it.source, "success": True, "reason": "",
                     "box": face.box, "confidence": float(face.score), "landmarks": face.landmarks, "blendshapes": face.blendshapes,
                     "features": vec, "thumb": jpeg.tobytes() if ok else None})
    return rows


def process_chunk(items: list[Item], settings: Settings) -> list[dict]:
    """Rows for a chunk of items: one per face, or one failure row per image."""
    rows: list[dict] = []
    for it, rgb in _inputs(items, settings):
        found: list[dict] = []
        if isinstance(rgb, np.ndarray):
            try:
                found = face_rows(it, rgb, settings)
            except Exception as exc:  # one bad image must not stop the job
                rgb = f"faces: {type(exc).__name__}: {exc}"
        if isinstance(rgb, str) or not found:
            rows.append({"id": it.id, "face": -1, "source": it.source, "success": False,
                         "reason": rgb if isinstance(rgb, str) else "no-face: none detected"})
        rows.extend(found)
    return rows


def _widths(settings: Settings) -> dict[str, int]:
    from wsc.faces.landmarks import BLENDSHAPE_NAMES, N_LANDMARKS
    from wsc.features.blocks import BLOCKS

    return {"box": 4, "landmarks": 3 * N_LANDMARKS, "blendshapes": len(BLENDSHAPE_NAMES),
            "features": sum(BLOCKS[b][1] for b in settings.blocks)}


def open_store(store: Path, settings: Settings) -> dict:
    """Create the store, or check an existing one was made with the same settings."""
    from wsc.faces.landmarks import BLENDSHAPE_NAMES
    from wsc.features.blocks import BLOCKS, block_slices

    unknown = [b for b in settings.blocks if b not in BLOCKS]
    if unknown or not settings.blocks:
        raise InputError(f"unknown feature blocks {unknown}; choose from {list(BLOCKS)}")
    manifest = {"version": STORE_VERSION, "settings": settings.recorded(),
                "block_slices": block_slices(settings.blocks), "widths": _widths(settings),
                "blendshape_names": list(BLENDSHAPE_NAMES)}
    if (store / fs.MANIFEST).is_file():
        old = fs.read_manifest(store)
        if old.get("settings") != manifest["settings"]:
            raise InputError(f"store was made with other settings {old.get('settings')}; "
                             "use a new --out or the same options", file=str(store))
        return old
    fs.write_manifest(store, manifest)
    return manifest


def _results(chunks: list[list[Item]], settings: Settings, processes: int,
             dask_address: str | None) -> Iterator[list[dict]]:
    """Rows of each chunk as it completes, in-process, in a process pool or on Dask."""
    if dask_address:
        from distributed import Client, as_completed

        with Client(dask_address) as client:
            futures = client.map(process_chunk, chunks, settings=settings, pure=False)
            for future in as_completed(futures):
                yield future.result()
        return
    processes = min(processes, len(chunks))
    if processes <= 1:
        for chunk in chunks:
            yield process_chunk(chunk, settings)
        return
    import multiprocessing as mp
    from functools import partial

    # workers fork from one server process that has done the slow imports once
    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["wsc.features.extract", "wsc.faces.analyzer"])
    with ctx.Pool(processes) as pool:
        yield from pool.imap_unordered(partial(process_chunk, settings=settings), chunks)


def extract(items: list[Item], store: str | Path, settings: Settings, processes: int = 2,
            chunk_size: int = 64, dask_address: str | None = None, retry_failed: bool = False,
            transform_from: str | Path | None = None, progress: bool = True) -> dict:
    """Run the job into `store`, skipping finished ids; returns counts of this run. The
    store is locked while the job runs and marked incomplete until it has finished."""
    store = Path(store)
    if transform_from is not None and not (Path(transform_from) / fs.TRANSFORM).is_file():
        raise InputError("has no fitted transform", file=str(transform_from))
    with fs.locked(store):
        manifest = open_store(store, settings)
        _check_same_sources(store, items)
        fs.mark_incomplete(store)
        counts = _extract(items, store, settings, manifest, processes, chunk_size, dask_address,
                          retry_failed, transform_from, progress)
        fs.mark_complete(store)
    return counts


def _check_same_sources(store: Path, items: list[Item]) -> None:
    """An error when an id already in the store came from another source (two folders
    with the same relative names): it is not 'already done'."""
    stored = fs.stored_sources(store)
    for it in items:
        old = stored.get(it.id)
        if old is not None and old != it.source and os.path.abspath(old) != it.source:
            raise InputError(f"id {it.id!r} is already in the store from {old}, not from "
                             f"{it.source}: use another --out (or a CSV with distinct ids)",
                             file=str(store))


def _extract(items: list[Item], store: Path, settings: Settings, manifest: dict,
             processes: int, chunk_size: int, dask_address: str | None, retry_failed: bool,
             transform_from: str | Path | None, progress: bool) -> dict:
    """The work of `extract`, with the store locked and marked incomplete."""
    from tqdm import tqdm

    from wsc.features import transform

    done, failed = fs.done_ids(store)
    todo = [it for it in items if it.id not in done or (retry_failed and it.id in failed)]
    chunks = [todo[i:i + chunk_size] for i in range(0, len(todo), chunk_size)]
    number = fs.next_chunk_number(store)
    counts = {"skipped": len(items) - len(todo), "images": 0, "faces": 0, "failed": 0}
    with tqdm(total=len(todo), desc="features", unit="img", disable=not progress) as bar:
        for rows in _results(chunks, settings, processes, dask_address):
            fs.write_chunk(store, number, rows, manifest["widths"])
            number += 1
            images = {r["id"] for r in rows}
            counts["images"] += len(images)
            counts["faces"] += sum(r["success"] for r in rows)
            counts["failed"] += sum(not r["success"] for r in rows)
            bar.update(len(images))
    _, x = fs.read_raw(store)
    if transform_from is not None:
        source = Path(transform_from) / fs.TRANSFORM
        if not source.is_file():
            raise InputError("has no fitted transform", file=str(transform_from))
        params = transform.load(source)
        if params["mean"].shape[0] != x.shape[1]:
            raise InputError("transform was fitted on other feature blocks", file=str(transform_from))
        transform.save(params, store / fs.TRANSFORM)
    elif len(x) >= 2:
        slices = {k: tuple(v) for k, v in manifest["block_slices"].items()}
        transform.save(transform.fit(x, slices, settings.pca, settings.seed), store / fs.TRANSFORM)
    return counts

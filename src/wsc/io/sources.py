"""Listing the images of a source (folder, CSV of paths or URLs, video) and fetching URLs.

Each image gets a stable `id` that keys it in every later file. URL downloads are
concurrent, bounded in time and size, retried with back-off and cached on disk.
"""
from __future__ import annotations

import hashlib
import os
import re
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from wsc.errors import InputError

IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"}
VIDEO_EXTS = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v"}
_AU_COLUMN = re.compile(r"^\s*AU[\s_]*0*(\d+)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Item:
    """One image to process: a file, a URL, or a frame of a video file."""

    id: str
    source: str
    kind: str  # "file", "url" or "frame"
    frame: int = -1


def list_folder(folder: Path) -> list[Item]:
    """Every image under `folder` (recursive), id = path relative to the folder."""
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTS)
    return [Item(p.relative_to(folder).as_posix(), str(p), "file") for p in paths]


def au_columns(columns: list[str]) -> dict[str, str]:
    """Map the CSV's AU columns (AU1, au_01, 'AU 12') to canonical names (AU1, AU12)."""
    found = {}
    for col in columns:
        match = _AU_COLUMN.match(str(col))
        if match:
            found[col] = f"AU{int(match.group(1))}"
    return found


def _au_labels(table: pd.DataFrame, ids: list[str], csv_path: Path) -> pd.DataFrame | None:
    """The AU columns of a CSV as a label table (0/1, empty = unknown, 999 = unknown)."""
    mapping = au_columns(list(table.columns))
    if not mapping:
        return None
    labels = pd.DataFrame({"id": ids})
    for col, name in mapping.items():
        values = pd.to_numeric(table[col], errors="coerce")
        bad = values.notna() & ~values.isin([0, 1, 999])
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0]) + 2
            raise InputError(f"AU value {table[col].iloc[row - 2]!r} is not 0, 1 or 999",
                             file=str(csv_path), row=row, column=col)
        labels[name] = values.where(values != 999).astype("Int8").to_numpy()
    return labels


def list_csv(csv_path: Path) -> tuple[list[Item], pd.DataFrame | None]:
    """Items from a CSV (or tab-separated file) with a `path` or `url` column, and its AU
    columns as labels."""
    with open(csv_path, encoding="utf-8", errors="replace") as fh:
        header = fh.readline()
    sep = "\t" if "\t" in header and "," not in header else ","
    table = pd.read_csv(csv_path, dtype=str, keep_default_na=False, sep=sep)
    lower = {c.strip().lower(): c for c in table.columns}
    if "path" in lower:
        col, kind = lower["path"], "file"
    elif "url" in lower:
        col, kind = lower["url"], "url"
    else:
        raise InputError("needs a 'path' or 'url' column", file=str(csv_path))
    values = table[col].str.strip()
    empty = (values == "").to_numpy().nonzero()[0]
    if len(empty):
        raise InputError("empty value", file=str(csv_path), row=int(empty[0]) + 2, column=col)
    ids = table[lower["id"]].str.strip().tolist() if "id" in lower else values.tolist()
    seen: set[str] = set()
    for row, ident in enumerate(ids):
        if ident in seen:
            raise InputError(f"duplicate id {ident!r}", file=str(csv_path), row=row + 2)
        seen.add(ident)
    if kind == "file":
        sources = [str((csv_path.parent / v).resolve()) if not os.path.isabs(v) else v for v in values]
    else:
        sources = values.tolist()
    items = [Item(i, s, kind) for i, s in zip(ids, sources)]
    return items, _au_labels(table, ids, csv_path)


def list_video(video: Path, every: int = 1, fps: float | None = None) -> list[Item]:
    """Frames of a video sampled every `every` frames, or at about `fps` frames per second."""
    import cv2

    cap = cv2.VideoCapture(str(video))
    if not cap.isOpened():
        raise InputError("cannot open video", file=str(video))
    count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    rate = cap.get(cv2.CAP_PROP_FPS) or 0.0
    cap.release()
    if count <= 0:
        raise InputError("video has no frames", file=str(video))
    step = max(1, round(rate / fps)) if fps and rate > 0 else max(1, every)
    return [Item(f"{video.name}#frame{k:06d}", str(video), "frame", k) for k in range(0, count, step)]


def list_source(src: str | Path, every: int = 1, fps: float | None = None
                ) -> tuple[list[Item], pd.DataFrame | None]:
    """Items of any supported source, and its AU labels where the source has them."""
    path = Path(src)
    if not path.exists():
        raise InputError("no such file or folder", file=str(src))
    if path.is_dir():
        return list_folder(path), None
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return list_csv(path)
    if suffix in VIDEO_EXTS:
        return list_video(path, every, fps), None
    if suffix in IMAGE_EXTS:
        return [Item(path.name, str(path), "file")], None
    raise InputError("not a folder, CSV, video or image", file=str(src))


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for URL downloads."""

    timeout: float = 10.0
    retries: int = 2
    backoff: float = 0.5
    max_bytes: int = 20_000_000
    workers: int = 8


class FetchError(Exception):
    """A URL that could not be fetched; the message is the recorded reason."""


def _cache_path(cache: Path, url: str) -> Path:
    return cache / hashlib.sha256(url.encode()).hexdigest()[:32]


def _fetch_once(url: str, policy: FetchPolicy) -> bytes:
    """One GET with the size and content-type checks; permanent errors are not retried."""
    request = urllib.request.Request(url, headers={"User-Agent": "wsc-features/1"})
    with urllib.request.urlopen(request, timeout=policy.timeout) as response:
        ctype = response.headers.get_content_type()
        if not (ctype.startswith("image/") or ctype == "application/octet-stream"):
            raise _Permanent(f"download: content-type {ctype}")
        length = response.headers.get("Content-Length")
        if length and int(length) > policy.max_bytes:
            raise _Permanent(f"download: over {policy.max_bytes} bytes")
        data = response.read(policy.max_bytes + 1)
    if len(data) > policy.max_bytes:
        raise _Permanent(f"download: over {policy.max_bytes} bytes")
    return data


class _Permanent(FetchError):
    """A failure that retrying cannot fix."""


def fetch_url(url: str, cache: Path, policy: FetchPolicy = FetchPolicy()) -> bytes:
    """The bytes behind an http(s) URL, from the cache or downloaded with retries."""
    if not re.match(r"^https?://", url, re.IGNORECASE):
        raise FetchError("download: only http(s) URLs are allowed")
    target = _cache_path(cache, url)
    if target.exists():
        return target.read_bytes()
    reason = ""
    for attempt in range(policy.retries + 1):
        if attempt:
            time.sleep(policy.backoff * 2 ** (attempt - 1))
        try:
            data = _fetch_once(url, policy)
        except _Permanent:
            raise
        except urllib.error.HTTPError as exc:
            reason = f"download: http {exc.code}"
            if exc.code < 500 and exc.code != 429:
                raise FetchError(reason) from exc
            continue
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            detail = getattr(exc, "reason", exc)
            reason = f"download: {type(detail).__name__ if isinstance(detail, Exception) else detail}"
            if isinstance(detail, TimeoutError) or isinstance(exc, TimeoutError):
                reason = "download: timeout"
            continue
        cache.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        return data
    raise FetchError(f"{reason} after {policy.retries + 1} tries")


def fetch_many(urls: list[str], cache: Path, policy: FetchPolicy = FetchPolicy()
               ) -> dict[str, bytes | FetchError]:
    """Fetch URLs concurrently; each maps to its bytes or to the error that stopped it."""
    def one(url: str) -> bytes | FetchError:
        try:
            return fetch_url(url, cache, policy)
        except FetchError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=max(1, policy.workers)) as pool:
        return dict(zip(urls, pool.map(one, urls)))


def default_cache() -> Path:
    """Where downloads are cached unless told otherwise ($WSC_CACHE or ~/.cache/wsc)."""
    root = os.environ.get("WSC_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "wsc")
    return Path(root) / "downloads"

"""Listing the images of a source (folder, CSV of paths or URLs, video) and fetching URLs.

Each image gets a stable `id` that keys it in every later file. URL downloads are
concurrent, bounded in time and size, retried with back-off and cached on disk.
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wsc.errors import InputError
from wsc.io.delimited import line_of, read_delimited
from wsc.labels import au_columns, binary_au, duplicate_au

IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"}
VIDEO_EXTS = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v"}


@dataclass(frozen=True)
class Item:
    """One image to process: a file, a URL, or a frame of a video file."""

    id: str
    source: str
    kind: str  # "file", "url", "frame" or "badname" (a file name that is not UTF-8)
    frame: int = -1


def _valid_text(name: str) -> bool:
    """Whether a file name decoded from the file system is valid UTF-8 text."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _escaped(name: str) -> str:
    """A file name that is not valid UTF-8, with its bad bytes written as \\xNN."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def list_folder(folder: Path, follow_links: bool = False) -> list[Item]:
    """Every image under `folder` (recursive), id = path relative to the folder, source =
    its absolute path. Symbolic links (to files or folders) are skipped unless
    `follow_links`; a name that is not valid UTF-8 becomes a 'badname' item (recorded as
    one failure) instead of stopping the job."""
    root = Path(os.path.abspath(folder))
    items, skipped = [], 0
    for here, dirs, files in os.walk(root, followlinks=follow_links):
        if not follow_links:
            links = [d for d in dirs if os.path.islink(os.path.join(here, d))]
            skipped += len(links)
            dirs[:] = [d for d in dirs if d not in links]
        dirs.sort()
        for name in files:
            path = os.path.join(here, name)
            if Path(name).suffix.lower() not in IMAGE_EXTS:
                continue
            if not follow_links and os.path.islink(path):
                skipped += 1
                continue
            if not os.path.isfile(path):  # a pipe, socket or device named like an image
                continue
            rel = Path(path).relative_to(root).as_posix()
            if _valid_text(rel):
                items.append(Item(rel, path, "file"))
            else:
                items.append(Item(_escaped(rel), _escaped(path), "badname"))
    if skipped:
        print(f"warning: {folder}: {skipped} symbolic link(s) skipped (--follow-links to "
              "include them)", file=sys.stderr)
    return sorted(items, key=lambda it: it.id)


def _au_labels(table: pd.DataFrame, ids: list[str], csv_path: Path) -> pd.DataFrame | None:
    """The AU columns of a CSV (`wsc.labels`: AU1, au_01, 'AU 12') as a label table with
    canonical names, 0/1 and missing for unknown."""
    mapping = au_columns(list(table.columns))
    if not mapping:
        return None
    same = duplicate_au(list(table.columns))
    if same is not None:
        raise InputError(f"columns {same[0]!r} and {same[1]!r} name the same AU",
                         file=str(csv_path))
    labels = pd.DataFrame({"id": ids})
    for col, name in mapping.items():
        codes, bad = binary_au(table[col].to_numpy())
        if bad is not None:
            raise InputError(f"AU value {table[col].iloc[bad]!r} is not 0, 1 or unknown "
                             "(empty, 999, -1)", file=str(csv_path),
                             row=line_of(table, bad), column=col)
        labels[name] = pd.array(np.where(codes < 0, None, codes), dtype="Int8")
    return labels


def list_csv(csv_path: Path, follow_links: bool = False
             ) -> tuple[list[Item], pd.DataFrame | None]:
    """Items from a CSV (or tab-separated file) with a `path` or `url` column, and its AU
    columns as labels. Paths are relative to the CSV's folder; one that leads outside it
    (absolute, '..' or through a link) is an error unless `follow_links`."""
    table = read_delimited(csv_path, "image list")
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
        raise InputError("empty value", file=str(csv_path), row=line_of(table, int(empty[0])),
                         column=col)
    ids = table[lower["id"]].str.strip().tolist() if "id" in lower else values.tolist()
    seen: set[str] = set()
    for row, ident in enumerate(ids):
        if ident == "":
            raise InputError("empty id", file=str(csv_path), row=line_of(table, row),
                             column=lower["id"])
        if ident in seen:
            raise InputError(f"duplicate id {ident!r}", file=str(csv_path),
                             row=line_of(table, row))
        seen.add(ident)
    if kind == "file":
        sources = [str((csv_path.parent / v).resolve()) if not os.path.isabs(v) else v for v in values]
        if not follow_links:
            inside = csv_path.parent.resolve()
            for row, source in enumerate(sources):
                if not Path(source).resolve().is_relative_to(inside):
                    raise InputError(f"path {values.iloc[row]!r} leads outside the CSV's folder "
                                     "(--follow-links to allow it)", file=str(csv_path),
                                     row=line_of(table, row), column=col)
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


def list_source(src: str | Path, every: int = 1, fps: float | None = None,
                follow_links: bool = False) -> tuple[list[Item], pd.DataFrame | None]:
    """Items of any supported source, and its AU labels where the source has them."""
    path = Path(src)
    if not path.exists():
        raise InputError("no such file or folder", file=str(src))
    if path.is_dir():
        return list_folder(path, follow_links), None
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return list_csv(path, follow_links)
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
    other_hosts: bool = False  # follow redirects to another host


class FetchError(Exception):
    """A URL that could not be fetched; the message is the recorded reason."""


def _cache_path(cache: Path, url: str) -> Path:
    return cache / hashlib.sha256(url.encode()).hexdigest()[:32]


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to the same host over http(s) (unless told otherwise)."""

    def __init__(self, other_hosts: bool) -> None:
        self.other_hosts = other_hosts

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        old, new = urllib.parse.urlsplit(req.full_url), urllib.parse.urlsplit(newurl)
        if new.scheme.lower() not in ("http", "https"):
            raise _Permanent(f"download: redirect to a {new.scheme or 'relative'} URL refused")
        if not self.other_hosts and new.hostname != old.hostname:
            raise _Permanent(f"download: redirect to another host ({new.hostname}) not followed")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _fetch_once(url: str, policy: FetchPolicy) -> bytes:
    """One GET with the size and content-type checks; permanent errors are not retried."""
    request = urllib.request.Request(url, headers={"User-Agent": "wsc-features/1"})
    opener = urllib.request.build_opener(_SameHostRedirects(policy.other_hosts))
    with opener.open(request, timeout=policy.timeout) as response:
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

"""Output files are whole or absent: checked before the work, written to a temporary name
in the same folder and renamed over the target when complete.

A run killed while writing leaves the previous file (or none) and at most a hidden
`.NAME.PID.tmp` file, never a truncated output that later commands would accept.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

from wsc.errors import InputError


def check_output(path: str | Path, suffixes: tuple[str, ...] | None = None,
                 option: str = "--out") -> Path:
    """Fail now, with one line, if `path` cannot be written later: a folder, a path under a
    file, an unwritable folder, or (with `suffixes`) an unsupported file type."""
    path = Path(path)
    name = str(path)
    if path.is_dir():
        raise InputError(f"{option} is a folder, expected a file name", file=name)
    if suffixes is not None and path.suffix.lower() not in suffixes:
        raise InputError(f"{option} must end in {' or '.join(suffixes)}", file=name)
    parent = path.parent
    while not parent.exists():
        if parent.parent == parent:
            break
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        raise InputError(f"{option} lies under {parent}, which is a file, not a folder", file=name)
    _probe(parent, option, name)
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"{option}: the file exists and is read-only", file=name)
    return path


def check_output_dir(path: str | Path, option: str = "--out") -> Path:
    """Fail now if `path` cannot be made into (or used as) an output folder."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{option} is a file, expected a folder", file=str(path))
    parent = path
    while not parent.exists() and parent.parent != parent:
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        raise InputError(f"{option} lies under {parent}, which is a file, not a folder",
                         file=str(path))
    _probe(parent, option, str(path))
    return path


def _probe(folder: Path, option: str, name: str) -> None:
    """Create and remove a file in `folder`: the only check that also catches read-only
    file systems and runs as root."""
    probe = folder / f".wsc-write-check.{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(f"{option}: cannot write in {folder} "
                         f"({exc.strerror or type(exc).__name__})", file=name) from None


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path to write instead of `path`; renamed onto `path` when the block
    ends without an error, removed otherwise."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_text(path: str | Path, text: str) -> None:
    """Write a text file atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")

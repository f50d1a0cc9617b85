"""Reading delimited text tables (CSV, TSV, ';'-separated) that users give us, strictly.

Every way such a file goes wrong is an InputError naming the file and, where it has one,
the line and column: missing, empty or header-only files, text that is not UTF-8, a
delimiter other than the comma (detected from the header and the first lines, then used),
duplicate or empty column names, rows with too many or too few fields. A trailing comma
(an unnamed column with no values) is dropped. Row numbers are line numbers in the file,
the header being line 1.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from wsc.errors import InputError

DELIMITERS = (",", ";", "\t", "|")
_SNIFF_LINES = 20


def csv_row(index: int) -> int:
    """0-based data index -> line number in the file (the header is line 1)."""
    return index + 2


def _text(path: Path) -> str:
    """The file's text (UTF-8, a byte-order mark allowed); an error naming the line otherwise."""
    if not path.exists():
        raise InputError("file not found", file=str(path))
    if path.is_dir():
        raise InputError("is a folder, expected a file", file=str(path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or type(exc).__name__})",
                         file=str(path)) from None
    if not data.strip():
        raise InputError("file is empty", file=str(path))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError(f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8",
                         file=str(path), row=line) from None


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the header into the most fields and every sampled line
    into the same number of them (the comma when nothing splits)."""
    best, best_fields = ",", 1
    for delim in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delim) if row]
        if counts and counts[0] > best_fields and all(c == counts[0] for c in counts):
            best, best_fields = delim, counts[0]
    if best_fields == 1:  # nothing splits every line alike: take the header's best split
        for delim in DELIMITERS:
            header = next(csv.reader(lines[:1], delimiter=delim), [])
            if len(header) > best_fields:
                best, best_fields = delim, len(header)
    return best


def header_of(path: str | Path) -> list[str]:
    """The column names of a delimited text file, read as `read_delimited` reads them."""
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    text = head.decode("utf-8-sig", errors="replace")
    lines = [ln for ln in text.splitlines()[:_SNIFF_LINES] if ln.strip()]
    if not lines:
        return []
    header = next(csv.reader(lines[:1], delimiter=sniff_delimiter(lines)))
    names = [h.strip() for h in header]
    while len(names) > 1 and names[-1] == "":
        names.pop()
    return names


def read_delimited(path: str | Path, what: str = "table") -> pd.DataFrame:
    """A delimited text file as a DataFrame of stripped strings (no missing values)."""
    path = Path(path)
    name = str(path)
    text = _text(path)
    lines = text.splitlines()
    delim = sniff_delimiter([ln for ln in lines[:_SNIFF_LINES] if ln.strip()])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
        rows = [(reader.line_num, row) for row in reader if any(f.strip() for f in row)]
    except csv.Error as exc:
        raise InputError(f"malformed {what}: {exc}", file=name, row=reader.line_num) from None
    trailing = 0
    while len(header) > 1 and header[-1] == "":
        header.pop()
        trailing += 1
    for j, h in enumerate(header):
        if h == "":
            raise InputError(f"column {j + 1} of the header has no name", file=name, row=1)
        if h in header[:j]:
            raise InputError(f"duplicate column name (columns {header.index(h) + 1} and {j + 1})",
                             file=name, row=1, column=h)
    if not rows:
        raise InputError(f"no data rows (only a header): an empty {what}", file=name)
    width = len(header)
    data = []
    for line, row in rows:
        extra = [f for f in row[width:width + trailing] if f.strip()]
        if extra and len(row) <= width + trailing:
            raise InputError(f"value {extra[0].strip()!r} under a column with no name",
                             file=name, row=line)
        if len(row) < width or any(f.strip() for f in row[width:]):
            raise InputError(f"row has {len(row)} fields, the header {width}", file=name,
                             row=line)
        data.append([f.strip() for f in row[:width]])
    frame = pd.DataFrame(data, columns=header, dtype=object)
    frame.attrs["lines"] = [line for line, _ in rows]
    return frame


def line_of(frame: pd.DataFrame, index: int) -> int:
    """The file line of data row `index` of a frame from `read_delimited`."""
    lines = frame.attrs.get("lines")
    return lines[index] if lines else csv_row(index)

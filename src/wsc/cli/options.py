"""Option types and options shared by several subcommands, so every command checks and
names them alike."""
from __future__ import annotations

import argparse
import sys
import time
from typing import Callable


def _parsed(value: str, kind: type, what: str, ok, bound: str) -> int | float:
    """value read as `kind` (else 'must be <what>') and checked by ok (else 'must be <bound>')."""
    try:
        number = kind(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}, got {value!r}") from None
    if not ok(number):
        raise argparse.ArgumentTypeError(f"must be {bound}, got {value!r}")
    return number


def positive_int(value: str) -> int:
    """An integer >= 1 (argparse type)."""
    return _parsed(value, int, "a whole number", lambda x: x >= 1, "at least 1")


def positive_float(value: str) -> float:
    """A finite number > 0 (argparse type)."""
    return _parsed(value, float, "a number", lambda x: 0 < x < float("inf"),
                   "a positive number")


def seed(value: str) -> int:
    """A random seed: an integer >= 0 (argparse type)."""
    return _parsed(value, int, "a whole number", lambda x: x >= 0, "0 or more")


def non_negative_float(value: str) -> float:
    """A finite number >= 0 (argparse type)."""
    return _parsed(value, float, "a number", lambda x: 0.0 <= x < float("inf"), "0 or more")


def share(value: str) -> float:
    """A number in [0, 1] (argparse type)."""
    return _parsed(value, float, "a number in [0, 1]", lambda x: 0.0 <= x <= 1.0, "in [0, 1]")


def add_quiet(parser: argparse.ArgumentParser, what: str = "progress bar") -> None:
    """--quiet (old spelling --no-progress still accepted)."""
    parser.add_argument("--quiet", "--no-progress", dest="quiet", action="store_true",
                        help=f"no {what}")


def add_allow_incomplete(parser: argparse.ArgumentParser) -> None:
    """--allow-incomplete: read a feature store whose last run did not finish."""
    parser.add_argument("--allow-incomplete", action="store_true",
                        help="read a feature store even if it is marked incomplete (a run "
                             "into it was killed or is still running)")


def progress_printer(quiet: bool) -> Callable[[str], None]:
    """Progress messages on stderr, each with the seconds since this call (none if quiet)."""
    if quiet:
        return lambda message: None
    start = time.time()
    return lambda message: print(f"[{time.time() - start:6.1f}s] {message}", file=sys.stderr,
                                 flush=True)

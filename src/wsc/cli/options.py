"""Option types and options shared by several subcommands, so every command checks and
names them alike."""
from __future__ import annotations

import argparse


def positive_int(value: str) -> int:
    """An integer >= 1 (argparse type)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value!r}")
    return number


def positive_float(value: str) -> float:
    """A finite number > 0 (argparse type)."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {value!r}") from None
    if not (number > 0 and number != float("inf")):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {value!r}")
    return number


def seed(value: str) -> int:
    """A random seed: an integer >= 0 (argparse type)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value!r}")
    return number


def non_negative_float(value: str) -> float:
    """A finite number >= 0 (argparse type)."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {value!r}") from None
    if not 0.0 <= number < float("inf"):
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value!r}")
    return number


def share(value: str) -> float:
    """A number in [0, 1] (argparse type)."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1], got {value!r}") from None
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"must be in [0, 1], got {value!r}")
    return number


def add_quiet(parser: argparse.ArgumentParser, what: str = "progress bar") -> None:
    """--quiet (old spelling --no-progress still accepted)."""
    parser.add_argument("--quiet", "--no-progress", dest="quiet", action="store_true",
                        help=f"no {what}")


def add_allow_incomplete(parser: argparse.ArgumentParser) -> None:
    """--allow-incomplete: read a feature store whose last run did not finish."""
    parser.add_argument("--allow-incomplete", action="store_true",
                        help="read a feature store even if it is marked incomplete (a run "
                             "into it was killed or is still running)")

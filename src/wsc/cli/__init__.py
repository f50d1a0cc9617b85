"""The `wsc` command line: a thin layer over the Python API, one module per subcommand."""
from __future__ import annotations

import argparse
import importlib
import sys

from wsc.errors import InputError

# Subcommand modules; each defines `register(subparsers)` that adds its parser and sets
# `func` to a callable taking the parsed arguments. Missing optional modules are skipped.
SUBCOMMANDS = ["demo", "fig2", "features", "annotate", "clean", "train", "evaluate", "predict",
               "report"]


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every available subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="wsc", description="Weakly supervised clustering: clean noisy facial action unit labels.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"wsc.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"wsc.cli.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point: user errors become one line on stderr and exit status 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except (InputError, FileNotFoundError, ValueError) as exc:
        print(f"wsc {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"wsc {args.command}: interrupted; finished work is kept, rerun to resume",
              file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())

"""The `wsc` command line: a thin layer over the Python API, one module per subcommand.

Error policy: the project's own input errors (`wsc.errors.InputError`) and bad options
are printed as one line naming what is wrong and where, with exit status 2; anything
else is a bug and keeps its traceback."""
from __future__ import annotations

import argparse
import importlib
import sys

from wsc.errors import InputError

# Subcommand modules; each defines `register(subparsers)` that adds its parser and sets
# `func` to a callable taking the parsed arguments. Missing optional modules are skipped.
SUBCOMMANDS = ["demo", "fig2", "features", "annotate", "clean", "train", "evaluate", "predict",
               "report"]


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (no usage block) and exit status 2."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _version() -> str:
    from wsc import __version__

    return f"wsc {__version__}"


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every available subcommand registered."""
    parser = OneLineParser(
        prog="wsc", description="Weakly supervised clustering: clean noisy facial action unit labels.")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=OneLineParser)
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
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a bad option (already printed)
        return int(exc.code or 0)
    try:
        result = args.func(args)
    except InputError as exc:
        print(f"wsc {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"wsc {args.command}: interrupted; finished work is kept, rerun to resume",
              file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())

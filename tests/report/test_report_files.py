"""`wsc report` output without a browser: what the folder holds, offline, and its errors."""
import json
import re

import pytest

from wsc.cli import main
from wsc.report import build_report


def load_data(folder):
    text = (folder / "data.js").read_text()
    return json.loads(text[text.index("=") + 1:].rstrip().rstrip(";"))


def test_report_from_a_store(cleaning_run, tmp_path, capsys):
    out = tmp_path / "report"
    code = main(["report", "--features", str(cleaning_run["store"]), "--labels",
                 str(cleaning_run["labels"]), "--cleaned", str(cleaning_run["cleaned"]),
                 "--out", str(out), "--quiet"])
    assert code == 0
    assert "index.html" in capsys.readouterr().out
    data = load_data(out)
    assert data["meta"]["thumbs"] is True and data["meta"]["columns"] == ["AU1", "AU6", "AU12"]
    thumbs = list((out / "thumbs").glob("*.jpg"))
    assert len(thumbs) > 50
    assert all(t.read_bytes()[:2] == b"\xff\xd8" for t in thumbs[:5])
    assert data["failures"]["count"] == 3
    assert data["failures"]["reasons"] == {"cannot decode image": 2, "no face found": 1}
    failed = (out / "failed_images.csv").read_text().splitlines()
    assert failed[0] == "id,source,reason" and failed[1].startswith("bad001,photos/bad001.jpg,")
    # the counts agree with the cleaner's own summary
    summary = json.loads((cleaning_run["dir"] / "cleaned.summary.json").read_text())
    for col, s in zip(data["columns"], summary["columns"]):
        assert (col["changed"], col["pruned"], col["kept"]) == \
            (s["changed"], s["pruned"], s["kept"])
        assert col["noise_matrix"] == s["noise_matrix"]
    # every listed cluster carries all its members (for the corrections download)
    au12 = data["columns"][2]
    key = au12["clusters"]["largest"][0]
    assert len(data["clusters"][key]["members"]) == data["clusters"][key]["stats"]["2"]["size"]
    # offline: nothing is loaded from the network
    for name in ("index.html", "assets/app.js", "assets/style.css"):
        text = (out / name).read_text()
        assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", text), name
        assert "fetch(" not in text


def test_report_without_store_says_so(cleaning_run, tmp_path):
    info = build_report(cleaning_run["cleaned"], tmp_path / "r", features=cleaning_run["npy"])
    data = load_data(tmp_path / "r")
    assert info["thumbnails"] == 0 and not (tmp_path / "r" / "thumbs").exists()
    assert any("galleries are omitted" in n for n in data["meta"]["notes"])
    assert data["map"] is not None and len(data["map"]["x"]) == 400


def test_report_replaces_an_earlier_report_only(cleaning_run, tmp_path, capsys):
    build_report(cleaning_run["cleaned"], tmp_path / "r")
    build_report(cleaning_run["cleaned"], tmp_path / "r")          # an earlier report: replaced
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "keep.txt").write_text("mine")
    code = main(["report", "--cleaned", str(cleaning_run["cleaned"]), "--out",
                 str(tmp_path / "other"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "not an earlier report" in err and len(err.strip().splitlines()) == 1
    assert (tmp_path / "other" / "keep.txt").read_text() == "mine"


def test_old_cleaned_table_needs_labels(cleaning_run, tmp_path, capsys):
    import pandas as pd

    table = pd.read_csv(cleaning_run["cleaned"], dtype=str, keep_default_na=False)
    old = table[[c for c in table.columns if not c.endswith(("_raw", "_changed"))]]
    old.to_csv(tmp_path / "old.csv", index=False)
    code = main(["report", "--cleaned", str(tmp_path / "old.csv"), "--out",
                 str(tmp_path / "r"), "--quiet"])
    assert code == 2 and "give the label file with --labels" in capsys.readouterr().err
    build_report(tmp_path / "old.csv", tmp_path / "r", labels=cleaning_run["labels"],
                 summary=cleaning_run["dir"] / "cleaned.summary.json")
    new = load_data(tmp_path / "r")
    assert new["columns"][0]["changed"] == json.loads(
        (cleaning_run["dir"] / "cleaned.summary.json").read_text())["columns"][0]["changed"]


def test_missing_summary_given_is_an_error(cleaning_run, tmp_path):
    from wsc.errors import InputError

    with pytest.raises(InputError, match="file not found"):
        build_report(cleaning_run["cleaned"], tmp_path / "r", summary=tmp_path / "none.json")


def test_parquet_cleaned_table(cleaning_run, tmp_path):
    import pandas as pd

    table = pd.read_csv(cleaning_run["cleaned"], dtype=str, keep_default_na=False)
    table.to_parquet(tmp_path / "cleaned.parquet")
    build_report(tmp_path / "cleaned.parquet", tmp_path / "a",
                 summary=cleaning_run["dir"] / "cleaned.summary.json")
    build_report(cleaning_run["cleaned"], tmp_path / "b")
    a, b = load_data(tmp_path / "a"), load_data(tmp_path / "b")
    assert [c["changed"] for c in a["columns"]] == [c["changed"] for c in b["columns"]]
    assert [c["pruned"] for c in a["columns"]] == [c["pruned"] for c in b["columns"]]
    assert a["rows"]["id"] == b["rows"]["id"]


def test_paper_mode_report_says_why_rows_were_pruned(cleaning_run, tmp_path):
    from wsc.reannotation.paper import describe_abstentions

    cleaned = tmp_path / "paper.csv"
    assert main(["clean", "--features", str(cleaning_run["npy"]), "--labels",
                 str(cleaning_run["labels"]), "--out", str(cleaned), "--mode", "paper",
                 "--cluster-neighbors", "15", "--neighbors", "10", "--quiet"]) == 0
    build_report(cleaned, tmp_path / "r")
    page = (tmp_path / "r" / "index.html").read_text()
    summary = json.loads((tmp_path / "paper.summary.json").read_text())
    pruned = [c for c in summary["columns"] if c["pruned"]]
    assert pruned
    for column in pruned:
        assert f"pruned: {describe_abstentions(column['pruned_clusters'])}" in page

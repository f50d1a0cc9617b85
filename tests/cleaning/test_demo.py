"""`wsc demo` end to end on a small synthetic set (the Fig. 2 part is the lead's, skipped here)."""
import sys

import pandas as pd

from wsc.cli import main


def test_demo_writes_cleaned_csv(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "wsc.embedding.toy", None)    # import fails -> skipped
    assert main(["demo", "--out", str(tmp_path), "--n", "600"]) == 0
    out = capsys.readouterr().out
    assert "AU12" in out and "mean" in out
    cleaned = pd.read_csv(tmp_path / "cleaned.csv")
    assert len(cleaned) == 600 and "AU12_confidence" in cleaned.columns
    assert (tmp_path / "features.npy").exists() and (tmp_path / "labels.csv").exists()

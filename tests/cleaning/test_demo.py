"""`wsc demo` end to end on a small synthetic set, with a short Fig. 2 reproduction."""
import pandas as pd

from wsc.cli import main


def test_demo_writes_cleaned_csv_and_fig2(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--n", "600", "--fig2-draws", "2"]) == 0
    out = capsys.readouterr().out
    assert "AU12" in out and "mean" in out and "mean_accuracy" in out
    cleaned = pd.read_csv(tmp_path / "cleaned.csv")
    assert len(cleaned) == 600 and "AU12_confidence" in cleaned.columns
    assert (tmp_path / "features.npy").exists() and (tmp_path / "labels.csv").exists()
    assert (tmp_path / "fig2.png").stat().st_size > 10_000

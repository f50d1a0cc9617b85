"""`wsc evaluate`: an AU with no positive in the reference is undefined (not F1 = 0) and left
out of the mean; kappa is written; a subset of the model's AUs can be scored."""
import numpy as np
import pandas as pd

from wsc.classifiers.metrics import au_metrics
from wsc.cli import main


def test_undefined_au_left_out_of_the_mean():
    Y = np.array([[1, 0], [0, 0], [1, 0], [0, 0]])
    pred = np.array([[1, 1], [0, 0], [1, 0], [0, 0]])
    table = au_metrics(Y, pred, pred.astype(float), ["AU1", "AU26"])
    assert table["f1"][0] == 1.0 and np.isnan(table["f1"][1])
    assert table["f1"].iloc[-1] == 1.0                  # the mean of the defined AUs only
    assert table["positives"].tolist() == [2, 0, 2]
    assert table["accuracy"][1] == 0.75                 # accuracy is still defined


def test_subset_and_undefined_in_cli(tmp_path, tables, capsys):
    features, labels, Y = tables
    assert main(["train", "--features", str(features), "--labels", str(labels), "--out",
                 str(tmp_path / "m"), "--no-progress"]) == 0
    truth = tmp_path / "truth.csv"
    ids = [f"img{i:04d}" for i in range(len(Y))]
    pd.DataFrame({"id": ids, "AU1": 0, "AU12": Y[:, 1]}).to_csv(truth, index=False)
    capsys.readouterr()
    assert main(["evaluate", "--model", str(tmp_path / "m"), "--features", str(features),
                 "--labels", str(truth), "--out", str(tmp_path / "all.csv")]) == 0
    err = capsys.readouterr().err
    assert "undefined: AU1" in err
    table = pd.read_csv(tmp_path / "all.csv")
    assert np.isnan(table["f1"][0]) and np.isclose(table["f1"][2], table["f1"][1])
    # only AU12: the truth file need not have AU1 at all
    pd.DataFrame({"id": ids, "AU12": Y[:, 1]}).to_csv(truth, index=False)
    assert main(["evaluate", "--model", str(tmp_path / "m"), "--features", str(features),
                 "--labels", str(truth), "--aus", "AU12", "--out", str(tmp_path / "one.csv")]) == 0
    one = pd.read_csv(tmp_path / "one.csv")
    assert one["au"].tolist() == ["AU12", "mean"]
    assert np.isclose(one["f1"][0], table["f1"][1]) and "kappa" in one.columns
    assert main(["evaluate", "--model", str(tmp_path / "m"), "--features", str(features),
                 "--labels", str(truth), "--aus", "AU4"]) == 2
    assert "'AU4' is not one of the model's AUs" in capsys.readouterr().err

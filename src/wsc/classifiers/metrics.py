"""Per-AU metrics against reference labels: F1, accuracy, AUC, agreement (Cohen's kappa)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score, roc_auc_score

COLUMNS = ["au", "f1", "accuracy", "auc", "kappa", "n", "positives"]


def au_metrics(Y_true: np.ndarray, Y_pred: np.ndarray, proba: np.ndarray,
               au_names: list[str]) -> pd.DataFrame:
    """One row per AU plus a `mean` row; rows whose true label is unknown (< 0) are left
    out. F1 is undefined (NaN) for an AU with no positive in the reference, AUC and kappa
    for an AU whose reference has one class only; means skip NaN (an undefined AU is left
    out, not counted as 0); the mean row's n is the number of rows with any known label."""
    rows = []
    for j, name in enumerate(au_names):
        known = Y_true[:, j] >= 0
        y, pred, p = Y_true[known, j], Y_pred[known, j], proba[known, j]
        both = np.unique(y).size == 2
        rows.append({
            "au": name,
            "f1": f1_score(y, pred, zero_division=0.0) if (y == 1).any() else np.nan,
            "accuracy": accuracy_score(y, pred) if y.size else np.nan,
            "auc": roc_auc_score(y, p) if both else np.nan,
            "kappa": cohen_kappa_score(y, pred) if both else np.nan,
            "n": int(y.size), "positives": int((y == 1).sum())})
    table = pd.DataFrame(rows, columns=COLUMNS)
    mean = {c: table[c].mean() for c in ("f1", "accuracy", "auc", "kappa")}
    mean.update(au="mean", n=int((Y_true >= 0).any(axis=1).sum()),
                positives=int(table["positives"].sum()))
    return pd.concat([table, pd.DataFrame([mean])], ignore_index=True)


def format_table(table: pd.DataFrame) -> str:
    """The metrics as an aligned text table (3 decimals)."""
    return table.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep="-")

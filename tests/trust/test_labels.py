"""One label convention: every reader and estimator agrees on unknown labels and AU columns."""
from __future__ import annotations

import numpy as np
import pytest

from wsc.embedding.groups import encode_groups
from wsc.io.sources import list_source
from wsc.io.tables import read_labels
from wsc.labels import canonical_au, is_au_column, openface_name, unknown_mask
from wsc.reannotation.votes import encode_labels

UNKNOWN = [None, np.nan, "", "  ", "NA", "n/a", "nan", "NULL", -1, "-1", 999, "999", 999.0, "999.0"]
KNOWN = [0, 1, "0", "cat", "none", 2.5, 12]


def test_unknown_values():
    assert unknown_mask(np.array(UNKNOWN + KNOWN, dtype=object)).tolist() == \
        [True] * len(UNKNOWN) + [False] * len(KNOWN)


def test_every_estimator_encoding_agrees():
    column = np.array([1, 0, 999, -1, None, "", 1, 0], dtype=object)
    groups, _ = encode_groups(column)  # the WSE's groups: 999 is unknown, not a group
    codes, classes = encode_labels(column)
    assert (groups < 0).tolist() == (codes < 0).tolist() == [False, False, True, True, True,
                                                             True, False, False]
    assert list(classes) == [0, 1]


@pytest.mark.parametrize("name,canonical", [("AU12", "AU12"), ("au_12", "AU12"), ("AU 12", "AU12"),
                                            ("AU01", "AU1"), ("AU-4", "AU4"), ("au12l", "AU12L")])
def test_au_column_names(name, canonical):
    assert is_au_column(name) and canonical_au(name) == canonical
    assert openface_name(name).startswith("AU") and len(openface_name("AU1")) == 4


@pytest.mark.parametrize("name", ["AU12_c", "AU12_r", "AU12_confidence", "AUX", "mood", "id"])
def test_not_au_columns(name):
    assert not is_au_column(name)


def test_label_readers_agree(tmp_path):
    text = "id,path,au_12,AU 04\na,a.jpg,1,999\nb,b.jpg,-1,0\nc,c.jpg,,NA\n"
    (tmp_path / "l.csv").write_text(text)
    _, columns, values = read_labels(tmp_path / "l.csv", require_id=True)
    _, source_labels = list_source(tmp_path / "l.csv")
    assert columns == ["path", "au_12", "AU 04"]
    assert values[:, 1].tolist() == [1, None, None] and values[:, 2].tolist() == [None, 0, None]
    assert list(source_labels.columns) == ["id", "AU12", "AU4"]
    assert source_labels["AU12"].isna().tolist() == [False, True, True]
    assert source_labels["AU4"].isna().tolist() == [True, False, True]

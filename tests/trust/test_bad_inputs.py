"""Bad input, the class not the instance: every reader's failure is a one-line error (exit
2, at most three lines, no traceback) naming the file and, where there is one, the row and
column; inputs that look odd but are well defined (';' delimiter, BOM, CRLF, trailing comma,
-1 / NA unknowns) give the right result."""
from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from wsc.cli import main

N = 120
FAST = ["--vote-neighbors", "5", "--cluster-neighbors", "15", "--neighbors", "10", "--quiet"]


@pytest.fixture(scope="module")
def data(cli_blobs):
    return cli_blobs[:4]


def label_text(data, sep=",", header=None, extra_cols="", row_edit=None):
    """Label file text: id, AU12, AU4; `row_edit(i, line)` may change data lines."""
    _, truth, noisy, ids = data
    lines = [header or sep.join(["id", "AU12", "AU4"]) + extra_cols]
    for i in range(N):
        line = sep.join([ids[i], str(noisy[i]), str(truth[i] if i % 3 else 1 - truth[i])])
        line += extra_cols and sep * extra_cols.count(sep)
        lines.append(row_edit(i, line) if row_edit else line)
    return "\n".join(lines) + "\n"


def features_csv(path, data, edit=None):
    X, _, _, ids = data
    frame = pd.DataFrame(X.astype(object), columns=[f"f{j}" for j in range(4)])
    frame.insert(0, "id", ids)
    if edit:
        edit(frame)
    frame.to_csv(path, index=False)
    return path


def clean(tmp_path, features, labels, capsys, *extra, out=None):
    out = out or tmp_path / "out.csv"
    code = main(["clean", "--features", str(features), "--labels", str(labels), "--out", str(out),
                 *FAST, *extra])
    captured = capsys.readouterr()
    return code, out, captured


def one_line_error(code, captured, *must):
    err = captured.err.strip()
    assert code == 2, captured.err
    assert 1 <= len(err.splitlines()) <= 3 and "Traceback" not in err, err
    for text in must:
        assert text in err, (text, err)
    return err


@pytest.fixture()
def npy(tmp_path, data):
    path = tmp_path / "f.npy"
    np.save(path, data[0])
    return path


# -- label files -------------------------------------------------------------------------

@pytest.mark.parametrize("name,text_fn,must", [
    ("dup_header", lambda d: label_text(d, header="id,AU12,AU12"), ["duplicate column", "'AU12'", "row 1"]),
    ("same_au", lambda d: label_text(d, header="id,AU12,AU012"), ["name the same AU"]),
    ("empty_name", lambda d: label_text(d, header="id,,AU4"), ["no name", "row 1"]),
    ("value_under_trailing_comma", lambda d: label_text(d, extra_cols=",", row_edit=lambda i, ln: ln + "7" if i == 5 else ln),
     ["row 7", "no name"]),
    ("short_row", lambda d: label_text(d, row_edit=lambda i, ln: ln.rsplit(",", 1)[0] if i == 9 else ln), ["row 11", "fields"]),
    ("long_row", lambda d: label_text(d, row_edit=lambda i, ln: ln + ",1" if i == 9 else ln), ["row 11", "fields"]),
    ("bad_au_value", lambda d: label_text(d, row_edit=lambda i, ln: ln.replace(",0,", ",yes,", 1) if i == 20 else ln),
     ["row 22", "'AU12'", "0, 1"]),
    ("au_value_2", lambda d: label_text(d, row_edit=lambda i, ln: ln[:-1] + "2" if i == 30 else ln), ["row 32", "'AU4'"]),
    ("empty_column", lambda d: label_text(d, header="id,AU12,AU4,AU6", extra_cols=""), []),
    ("header_only", lambda d: "id,AU12,AU4\n", ["no data rows"]),
    ("blank", lambda d: "\n\n  \n", ["empty"]),
    ("empty_file", lambda d: "", ["empty"]),
    ("unclosed_quote", lambda d: label_text(d, row_edit=lambda i, ln: ln.replace("img", '"img', 1) if i == 3 else ln), []),
    ("dup_id", lambda d: label_text(d, row_edit=lambda i, ln: ln.replace("img007", "img002") if i == 7 else ln), ["row 9", "duplicate id"]),
])
def test_bad_label_files(tmp_path, data, capsys, npy, name, text_fn, must):
    labels = tmp_path / "labels.csv"
    text = text_fn(data)
    if name == "empty_column":  # header has a 4th column whose cells are all empty
        text = "\n".join(ln + ("," if k else "") for k, ln in enumerate(text.splitlines())) + "\n"
        must = ["'AU6'", "unknown"]
    labels.write_text(text)
    code, out, captured = clean(tmp_path, npy, labels, capsys)
    one_line_error(code, captured, "labels.csv", *must)
    assert not out.exists()


def test_empty_column_from_trailing_comma_is_dropped(tmp_path, data, capsys, npy):
    labels = tmp_path / "labels.csv"
    labels.write_text(label_text(data, extra_cols=","))
    code, out, captured = clean(tmp_path, npy, labels, capsys)
    assert code == 0, captured.err
    names = list(pd.read_csv(out).columns)
    assert [c for c in names if "_" not in c and c != "cluster"] == ["id", "AU12", "AU4"]
    assert not any("Unnamed" in c for c in names)


def test_encoding_error_names_file_and_line(tmp_path, data, capsys, npy):
    labels = tmp_path / "labels.csv"
    text = label_text(data).replace("img040", "imgé40")
    labels.write_bytes(text.encode("latin-1"))
    code, _, captured = clean(tmp_path, npy, labels, capsys)
    one_line_error(code, captured, "labels.csv", "UTF-8", "row 42")


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_other_delimiters_are_read_as_columns(tmp_path, data, capsys, npy, sep):
    labels = tmp_path / "labels.csv"
    labels.write_text(label_text(data, sep=sep))
    code, out, captured = clean(tmp_path, npy, labels, capsys)
    assert code == 0, captured.err
    result = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert {"AU12", "AU4"} <= set(result.columns)
    kept = result["AU12"] != ""
    assert (result["AU12"][kept].astype(int) == data[1][kept.to_numpy()]).mean() > 0.9


def test_bom_crlf_and_unknown_spellings(tmp_path, data, capsys, npy):
    unknowns = ["", "999", "-1", "NA", "nan", " "]
    text = label_text(data, row_edit=lambda i, ln: ",".join(
        [ln.split(",")[0], unknowns[i % 6] if i % 7 == 0 else ln.split(",")[1], ln.split(",")[2]]))
    labels = tmp_path / "labels.csv"
    labels.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    code, out, captured = clean(tmp_path, npy, labels, capsys)
    assert code == 0, captured.err
    assert list(pd.read_csv(out)["id"][:2]) == ["img000", "img001"]


def test_au_column_spellings_are_one_convention(tmp_path, data, capsys, npy):
    labels = tmp_path / "labels.csv"
    labels.write_text(label_text(data, header="id,au_12,AU 04"))
    code, out, captured = clean(tmp_path, npy, labels, capsys)
    assert code == 0, captured.err
    labels.write_text(label_text(data, header="id,au_12,AU 04",
                                 row_edit=lambda i, ln: ln[:-1] + "5" if i == 4 else ln))
    code, _, captured = clean(tmp_path, npy, labels, capsys)
    one_line_error(code, captured, "'AU 04'", "row 6")  # an AU column: only 0/1/unknown


def test_labels_of_a_store_without_labels_say_to_annotate(tmp_path, data, capsys, npy):
    store = tmp_path / "store"
    store.mkdir()
    (store / "manifest.json").write_text("{}")
    code, _, captured = clean(tmp_path, npy, store / "labels.csv", capsys)
    one_line_error(code, captured, "wsc annotate")


def test_unsupported_label_format(tmp_path, data, capsys, npy):
    labels = tmp_path / "labels.xlsx"
    labels.write_bytes(b"PK\x03\x04")
    code, _, captured = clean(tmp_path, npy, labels, capsys)
    one_line_error(code, captured, "labels.xlsx")


# -- feature files -----------------------------------------------------------------------

class _Marker:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


@pytest.mark.parametrize("name", ["constant", "complex", "object", "3d", "1d", "junk", "one_row",
                                  "strings", "empty", "pickle"])
def test_bad_npy_features(tmp_path, data, capsys, name):
    X = data[0]
    path = tmp_path / "f.npy"
    marker = tmp_path / "pwned"
    if name == "constant":
        np.save(path, np.ones_like(X))
    elif name == "complex":
        np.save(path, X + 1j)
    elif name == "object":
        np.save(path, np.array([[_Marker(marker)]] * N, dtype=object), allow_pickle=True)
    elif name == "3d":
        np.save(path, X.reshape(N, 2, 2))
    elif name == "1d":
        np.save(path, X[:, 0])
    elif name == "junk":
        path.write_bytes(b"\x93NUMPY garbage")
    elif name == "one_row":
        np.save(path, X[:1])
    elif name == "strings":
        np.save(path, X.astype(str))
    elif name == "empty":
        path.write_bytes(b"")
    else:
        path.write_bytes(pickle.dumps(_Marker(marker)))
    labels = tmp_path / "labels.csv"
    labels.write_text(label_text(data) if name != "one_row" else "AU1\n1\n")
    code, _, captured = clean(tmp_path, path, labels, capsys)
    one_line_error(code, captured, "f.npy")
    assert not marker.exists()


_TABLE_CASES = [
    ("complex", lambda f: f.__setitem__("f1", [complex(1, 2)] * N), ["'f1'", "complex"]),
    ("text", lambda f: f.loc.__setitem__((6, "f2"), "abc"), ["row 8", "'f2'"]),
    ("constant", lambda f: [f.__setitem__(c, 1.0) for c in ("f0", "f1", "f2", "f3")], ["constant"]),
    ("dup_header", None, ["duplicate column"]),
    ("no_id", lambda f: f.rename(columns={"id": "key"}, inplace=True), ["'id'"]),
    ("empty_id", lambda f: f.loc.__setitem__((4, "id"), ""), ["row 6", "empty id"]),
]


# Parquet cannot hold complex numbers, so that case exists for CSV only.
@pytest.mark.parametrize("fmt,name,edit,must", [
    (fmt, *case) for fmt in ("csv", "parquet") for case in _TABLE_CASES
    if not (fmt == "parquet" and case[0] == "complex")])
def test_bad_feature_tables(tmp_path, data, capsys, name, edit, must, fmt):
    import pyarrow as pa
    import pyarrow.parquet as pq

    X, _, _, ids = data
    frame = pd.DataFrame(X.astype(object), columns=[f"f{j}" for j in range(4)])
    frame.insert(0, "id", ids)
    if edit:
        edit(frame)
    path = tmp_path / f"f.{fmt}"
    if fmt == "csv":
        text = frame.to_csv(index=False)
        path.write_text(text.replace("f3", "f2", 1) if name == "dup_header" else text)
    else:
        kind = str if name == "text" else float
        frame = frame.astype({c: kind for c in frame.columns if c.startswith("f")})
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if name == "dup_header":
            table = table.rename_columns(["id", "f0", "f1", "f2", "f2"])
        pq.write_table(table, path)
    if fmt == "parquet" and name in ("text", "empty_id"):
        must = [{"row 8": "row 6", "row 6": "row 4"}.get(m, m) for m in must]  # 0-based records
    labels = tmp_path / "labels.csv"
    labels.write_text(label_text(data))
    code, _, captured = clean(tmp_path, path, labels, capsys)
    one_line_error(code, captured, f"f.{fmt}", *must)


def test_damaged_parquet_and_not_a_store(tmp_path, data, capsys):
    labels = tmp_path / "labels.csv"
    labels.write_text(label_text(data))
    (tmp_path / "f.parquet").write_bytes(b"PAR1 not really")
    code, _, captured = clean(tmp_path, tmp_path / "f.parquet", labels, capsys)
    one_line_error(code, captured, "f.parquet", "Parquet")
    (tmp_path / "folder").mkdir()
    code, _, captured = clean(tmp_path, tmp_path / "folder", labels, capsys)
    one_line_error(code, captured, "folder", "feature store")


def test_header_only_labels_are_blamed_on_the_labels(tmp_path, data, capsys):
    features = features_csv(tmp_path / "f.csv", data)
    labels = tmp_path / "labels.csv"
    labels.write_text("id,AU12\n")
    code, _, captured = clean(tmp_path, features, labels, capsys)
    err = one_line_error(code, captured, "labels.csv", "no data rows")
    assert "f.csv" not in err


# -- outputs -----------------------------------------------------------------------------

def test_out_is_checked_before_the_work(tmp_path, data, capsys, npy, monkeypatch):
    labels = tmp_path / "labels.csv"
    labels.write_text(label_text(data))

    def never(*args, **kwargs):
        raise AssertionError("cleaning started before --out was checked")

    monkeypatch.setattr("wsc.reannotation.WSC.fit", never)
    (tmp_path / "a_file").write_text("x")
    for out, must in [(tmp_path, "folder"), (tmp_path / "a_file" / "out.csv", "is a file"),
                      (tmp_path / "out.xlsx", ".parquet")]:
        code, _, captured = clean(tmp_path, npy, labels, capsys, out=out)
        one_line_error(code, captured, must)


def test_out_parquet_is_parquet(tmp_path, data, capsys, npy):
    labels = tmp_path / "labels.csv"
    labels.write_text(label_text(data))
    code, out, captured = clean(tmp_path, npy, labels, capsys, out=tmp_path / "clean.parquet")
    assert code == 0, captured.err
    assert out.read_bytes()[:4] == b"PAR1"
    table = pd.read_parquet(out)
    assert str(table["AU12"].dtype) == "Int64" and len(table) == N
    code = main(["train", "--features", str(npy), "--labels", str(out), "--out",
                 str(tmp_path / "m.model"), "--quiet", "--folds", "2"])
    assert code == 0


def test_killed_write_leaves_no_partial_output(tmp_path, data, capsys, npy, monkeypatch):
    labels = tmp_path / "labels.csv"
    labels.write_text(label_text(data))
    out = tmp_path / "out.csv"
    out.write_text("previous,result\n")
    real = pd.DataFrame.to_csv

    def dies_halfway(self, path, *args, **kwargs):
        real(self.iloc[: len(self) // 10], path, *args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", dies_halfway)
    code, _, captured = clean(tmp_path, npy, labels, capsys, out=out)
    assert code == 130
    assert out.read_text() == "previous,result\n"
    assert not list(tmp_path.glob(".out.csv*"))


# -- other commands ----------------------------------------------------------------------

@pytest.mark.parametrize("argv,must", [
    (["fig2", "--draws", "0"], ["--draws"]),
    (["demo", "--n", "5"], ["--n"]),
    (["clean", "--features", "x", "--labels", "y", "--out", "z", "--neighbors", "-3"], ["--neighbors"]),
    (["clean", "--features", "x", "--labels", "y", "--out", "z", "--threshold", "abc"], ["--threshold"]),
    (["train", "--features", "x", "--labels", "y", "--out", "z", "--classifier", "forest"], ["forest"]),
    (["train", "--features", "x", "--labels", "y", "--out", "z", "--seed", "-1"], ["--seed"]),
    (["train", "--features", "x", "--labels", "y", "--out", "z", "--folds", "two"], ["--folds"]),
    (["clean", "--features", "x", "--labels", "y", "--out", "z", "--lam", "-0.5"], ["--lam"]),
    (["features", "--images", "x", "--out", "y", "--processes", "0"], ["--processes"]),
    (["nonsense"], ["invalid choice"]),
])
def test_bad_options_are_one_line(capsys, argv, must):
    code = main(argv)
    one_line_error(code, capsys.readouterr(), *must)


def test_fig2_toy_mat_that_is_not_one(tmp_path, capsys):
    junk = tmp_path / "toy.mat"
    junk.write_bytes(b"not matlab")
    code = main(["fig2", "--toy-mat", str(junk), "--out", str(tmp_path / "o")])
    one_line_error(code, capsys.readouterr(), "toy.mat")
    code = main(["fig2", "--toy-mat", str(tmp_path / "absent.mat"), "--out", str(tmp_path / "o")])
    one_line_error(code, capsys.readouterr(), "absent.mat", "not found")


def test_version(capsys):
    from wsc import __version__

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"wsc {__version__}"


def test_internal_bugs_keep_their_traceback(tmp_path, data, npy, monkeypatch):
    labels = tmp_path / "labels.csv"
    labels.write_text(label_text(data))

    def bug(*args, **kwargs):
        raise ValueError("an internal bug")

    monkeypatch.setattr("wsc.reannotation.WSC.fit", bug)
    with pytest.raises(ValueError, match="an internal bug"):
        main(["clean", "--features", str(npy), "--labels", str(labels), "--out",
              str(tmp_path / "o.csv"), *FAST])


def test_train_with_a_single_subject(tmp_path, data, capsys, npy):
    _, _, noisy, ids = data
    labels = tmp_path / "labels.csv"
    pd.DataFrame({"AU12": noisy, "subject": "s1"}).to_csv(labels, index=False)
    code = main(["train", "--features", str(npy), "--labels", str(labels), "--out",
                 str(tmp_path / "m.model"), "--quiet"])
    one_line_error(code, capsys.readouterr(), "labels.csv", "'subject'", "same subject")


@pytest.mark.parametrize("content", [b"junk", b""])
def test_transform_file_that_is_not_one(tmp_path, content):
    from wsc.errors import InputError
    from wsc.features import transform

    path = tmp_path / "transform.npz"
    path.write_bytes(content)
    with pytest.raises(InputError, match="not a fitted transform"):
        transform.load(path)
    with open(path, "wb") as fh:
        np.savez(fh, mean=np.array([_Marker(tmp_path / "pwned")], dtype=object))
    with pytest.raises(InputError, match="not a fitted transform"):
        transform.load(path)
    assert not (tmp_path / "pwned").exists()


def test_decimal_commas_in_a_semicolon_file(tmp_path, data, capsys):
    X, _, _, ids = data
    lines = ["id;f0;f1"] + [f"{i};{x[0]:.3f};{x[1]:.3f}".replace(".", ",") for i, x in zip(ids, X)]
    (tmp_path / "f.csv").write_text("\n".join(lines) + "\n")
    labels = tmp_path / "labels.csv"
    labels.write_text(label_text(data))
    code, _, captured = clean(tmp_path, tmp_path / "f.csv", labels, capsys)
    one_line_error(code, captured, "f.csv", "row 2", "'f0'", "decimal comma")


def test_features_model_flag_still_names_the_landmarker(capsys):
    from wsc.cli import build_parser

    args = build_parser().parse_args(["features", "--images", "x", "--out", "y", "--model", "m"])
    assert args.landmarker == "m"
    assert "--model" not in build_parser()._subparsers._group_actions[0].choices[
        "features"].format_help()


def test_lam_zero_and_too_many_components(tmp_path, data, capsys, npy):
    labels = tmp_path / "labels.csv"
    labels.write_text(label_text(data))
    code, _, captured = clean(tmp_path, npy, labels, capsys, "--lam", "0")
    assert code == 0, captured.err
    code, _, captured = clean(tmp_path, npy, labels, capsys, "--n-components", "500")
    one_line_error(code, captured, "--n-components", "f.npy")


def test_parquet_null_id_and_list_cells(tmp_path, data, capsys):
    X, _, _, ids = data
    labels = tmp_path / "labels.csv"
    labels.write_text(label_text(data))
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(4)])
    frame.insert(0, "id", pd.Series(ids, dtype=object).where(np.arange(N) != 3, None))
    frame.to_parquet(tmp_path / "f.parquet")
    code, _, captured = clean(tmp_path, tmp_path / "f.parquet", labels, capsys)
    one_line_error(code, captured, "row 3", "empty id")
    nested = pd.DataFrame({"id": ids, "embedding": [list(x) for x in X]})
    nested.to_parquet(tmp_path / "n.parquet")
    code, _, captured = clean(tmp_path, tmp_path / "n.parquet", labels, capsys)
    one_line_error(code, captured, "'embedding'", "lists")


def test_features_into_a_folder_that_is_not_a_store(tmp_path, capsys):
    (tmp_path / "imgs").mkdir()
    (tmp_path / "imgs" / "a.jpg").write_bytes(b"x")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.tex").write_text("keep me")
    code = main(["features", "--images", str(tmp_path / "imgs"), "--out", str(tmp_path / "docs"),
                 "--quiet"])
    one_line_error(code, capsys.readouterr(), "not a feature store")
    assert sorted(p.name for p in (tmp_path / "docs").iterdir()) == ["thesis.tex"]


def test_missing_landmarker_file_is_one_line(tmp_path, capsys):
    pytest.importorskip("cv2")
    pytest.importorskip("mediapipe")
    (tmp_path / "imgs").mkdir()
    (tmp_path / "imgs" / "a.jpg").write_bytes(b"x")
    code = main(["features", "--images", str(tmp_path / "imgs"), "--out", str(tmp_path / "s"),
                 "--landmarker", str(tmp_path / "absent.task"), "--quiet"])
    one_line_error(code, capsys.readouterr(), "absent.task", "not found")


def test_unwritable_out_is_refused_before_the_work(tmp_path, data, capsys, npy, monkeypatch):
    labels = tmp_path / "labels.csv"
    labels.write_text(label_text(data))
    locked = tmp_path / "locked"
    locked.mkdir()
    real_open = __import__("os").open

    def read_only(path, flags, *args):  # what a read-only file system answers, even to root
        if str(path).startswith(str(locked)) and flags & __import__("os").O_CREAT:
            raise PermissionError(30, "Read-only file system")
        return real_open(path, flags, *args)

    monkeypatch.setattr("os.open", read_only)
    monkeypatch.setattr("wsc.reannotation.WSC.fit", lambda *a, **k: pytest.fail("work started"))
    code, _, captured = clean(tmp_path, npy, labels, capsys, out=locked / "sub" / "o.csv")
    one_line_error(code, captured, "Read-only file system", "--out")


def test_id_column_in_any_case(tmp_path, data, capsys):
    features = features_csv(tmp_path / "f.csv", data,
                            edit=lambda f: f.rename(columns={"id": "ID"}, inplace=True))
    labels = tmp_path / "labels.csv"
    labels.write_text(label_text(data, header="Id,AU12,AU4"))
    code, out, captured = clean(tmp_path, features, labels, capsys)
    assert code == 0, captured.err
    assert pd.read_csv(out)["id"].iloc[0] == "img000"


def test_single_class_column_is_warned_about(tmp_path, data, capsys, npy):
    labels = tmp_path / "labels.csv"
    labels.write_text(label_text(data, row_edit=lambda i, ln: ",".join(
        ln.split(",")[:1] + ["1", ln.split(",")[2]])))
    code, out, captured = clean(tmp_path, npy, labels, capsys)
    assert code == 0, captured.err
    assert "warning" in captured.err and "'AU12'" in captured.err

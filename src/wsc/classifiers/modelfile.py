"""The model file: a versioned joblib payload with the classifier, AU list and feature config.

Model files are pickles: load only files you trust."""
from __future__ import annotations

from pathlib import Path

import joblib

from wsc.errors import InputError

FORMAT = "wsc-au-classifier"
VERSION = 1


def save_model(path: str | Path, classifier, au_names: list[str], feature_config: dict,
               extraction: dict | None = None, info: dict | None = None) -> None:
    """Write the model file; `extraction` (store settings and transform) enables predicting
    on new images."""
    payload = {"format": FORMAT, "version": VERSION, "au_names": list(au_names),
               "feature_config": feature_config, "extraction": extraction,
               "classifier": classifier, "info": info or {}}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    joblib.dump(payload, tmp, compress=3)
    tmp.replace(path)


def load_model(path: str | Path) -> dict:
    """The payload written by `save_model`; an InputError for anything else."""
    path = Path(path)
    if not path.is_file():
        raise InputError("model file not found", file=str(path))
    try:
        payload = joblib.load(path)
    except Exception as exc:  # any unpickling failure means: not one of our files
        raise InputError(f"not a wsc model file ({type(exc).__name__})", file=str(path)) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise InputError("not a wsc model file", file=str(path))
    if payload["version"] > VERSION:
        raise InputError(f"model file version {payload['version']} is newer than this wsc "
                         f"reads ({VERSION}); upgrade wsc", file=str(path))
    return payload

"""AU classifiers trained on cleaned labels: per-AU models, calibration, thresholds, model files."""
from wsc.classifiers.estimator import AUClassifier
from wsc.classifiers.modelfile import load_model, save_model

__all__ = ["AUClassifier", "load_model", "save_model"]

"""Feature vectors of aligned faces, their standardisation/PCA, extraction and AU proxies."""

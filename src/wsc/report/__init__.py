"""The offline HTML report of a cleaning run: counts, noise, face galleries, cluster review."""
from wsc.report.build import build_report

__all__ = ["build_report"]

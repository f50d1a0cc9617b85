"""Small static SVG charts (no plotting library, no script): class rates, the noise matrix
as a heat map, evidence weights, the confidence histogram."""
from __future__ import annotations

from html import escape

RAW, CLEAN, CHANGED, PRUNED = "#9aa5b1", "#2f6fdf", "#e07b00", "#c23b3b"


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}">'
            f'<title>{escape(title)}</title>{"".join(body)}</svg>')


def _text(x: float, y: float, text: str, anchor: str = "middle", size: int = 11,
          fill: str = "#222") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{fill}">{escape(text)}</text>')


def rates(classes: list[str], raw: list[int], cleaned: list[int], title: str) -> str:
    """Share of each class among known rows, before (grey) and after (blue) cleaning."""
    width, height, top, bottom = max(250, 60 + 70 * len(classes)), 150, 18, 26
    plot = height - top - bottom
    total_raw, total_clean = max(sum(raw), 1), max(sum(cleaned), 1)
    body = [_text(6, 12, "share of known rows: raw (grey), cleaned (blue)", "start", 10)]
    for i, c in enumerate(classes):
        for k, (value, total, colour) in enumerate(((raw[i], total_raw, RAW),
                                                    (cleaned[i], total_clean, CLEAN))):
            share = value / total
            h = plot * share
            x = 40 + 70 * i + 26 * k
            body.append(f'<rect x="{x}" y="{top + plot - h:.1f}" width="24" height="{h:.1f}" '
                        f'fill="{colour}"/>')
            body.append(_text(x + 12, top + plot - h - 3, f"{share:.2f}", size=9))
        body.append(_text(40 + 70 * i + 25, height - 8, str(c)))
    body.append(f'<line x1="36" y1="{top + plot}" x2="{width - 10}" y2="{top + plot}" '
                f'stroke="#555"/>')
    return _svg(width, height, body, title)


def heatmap(matrix: list[list[float]], classes: list[str], title: str) -> str:
    """Noise matrix T[true, weak] = P(annotator says weak | true class), darker = larger."""
    k = len(matrix)
    cell = 46 if k <= 6 else max(14, 276 // k)
    left, top = 50, 40
    width, height = max(left + cell * k + 10, 190), top + cell * k + 10
    body = [_text(left, 12, "noise: P(annotator says | true)", "start", 10),
            _text(16, top + cell * k / 2, "true", "middle", 10)]
    for a in range(k):
        body.append(_text(left + cell * a + cell / 2, top - 6, str(classes[a]), size=10))
        body.append(_text(left - 6, top + cell * a + cell / 2 + 4, str(classes[a]), "end", 10))
        for b in range(k):
            v = float(matrix[a][b])
            light = int(245 - 190 * min(max(v, 0.0), 1.0))
            body.append(f'<rect x="{left + cell * b}" y="{top + cell * a}" width="{cell}" '
                        f'height="{cell}" fill="rgb({light},{light + 5 if light < 250 else 250},'
                        f'255)" stroke="#fff"/>')
            if cell >= 30:
                body.append(_text(left + cell * b + cell / 2, top + cell * a + cell / 2 + 4,
                                  f"{v:.2f}", size=11, fill="#fff" if v > 0.5 else "#222"))
    return _svg(width, height, body, title)


def weights(values: dict[str, float], title: str) -> str:
    """Horizontal bars: each evidence source's weight in the pooled estimate."""
    items = list(values.items())
    width, height = 300, 22 * len(items) + 10
    body = []
    for i, (name, w) in enumerate(items):
        y = 6 + 22 * i
        body.append(_text(90, y + 12, name, "end", 11))
        body.append(f'<rect x="96" y="{y}" width="{160 * float(w):.1f}" height="15" '
                    f'fill="{CLEAN}"/>')
        body.append(_text(100 + 160 * float(w), y + 12, f"{float(w):.2f}", "start", 10))
    return _svg(width, height, body, title)


def histogram(hist: dict[str, list[int]], title: str) -> str:
    """Confidence histogram, stacked: kept unchanged, changed, pruned."""
    bins = len(hist["kept"])
    width, height, left, top, bottom = 320, 150, 40, 14, 24
    plot_w, plot_h = width - left - 10, height - top - bottom
    totals = [hist["kept"][i] + hist["changed"][i] + hist["pruned"][i] for i in range(bins)]
    peak = max(max(totals), 1)
    bar = plot_w / bins
    body = [_text(left, 10, f"rows by confidence (max bin {peak})", "start", 10)]
    for i in range(bins):
        y = top + plot_h
        for key, colour in (("kept", CLEAN), ("changed", CHANGED), ("pruned", PRUNED)):
            h = plot_h * hist[key][i] / peak
            if h > 0:
                body.append(f'<rect x="{left + bar * i:.1f}" y="{y - h:.1f}" '
                            f'width="{bar - 1:.1f}" height="{h:.1f}" fill="{colour}"/>')
            y -= h
    body.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
                f'y2="{top + plot_h}" stroke="#555"/>')
    for v in (0.0, 0.5, 1.0):
        body.append(_text(left + plot_w * v, height - 8, f"{v:.1f}", size=10))
    return _svg(width, height, body, title)

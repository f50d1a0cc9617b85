"""The report in a real headless Chromium: it renders without console errors, its main views
have content, and overruling one cluster downloads corrections that `wsc clean` applies."""
import io

import numpy as np
import pandas as pd
import pytest

from wsc.cli import main
from wsc.report import build_report

FAST = ["--vote-neighbors", "5", "--cluster-neighbors", "15", "--neighbors", "10", "--quiet"]


@pytest.fixture(scope="module")
def report(cleaning_run, tmp_path_factory):
    out = tmp_path_factory.mktemp("rep") / "report"
    build_report(cleaning_run["cleaned"], out, features=cleaning_run["store"])
    return out


def open_page(browser, folder):
    page = browser.new_page()
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((folder / "index.html").as_uri())
    page.wait_for_selector("body[data-ready='1']")
    return page, problems, requests


def content_of(png: bytes) -> tuple[int, float]:
    """(distinct colours, grey-level standard deviation) of a screenshot."""
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    colours = np.unique(img.reshape(-1, 3)[::7], axis=0).shape[0]
    return colours, float(img.mean(axis=2).std())


def test_views_render_with_content(browser, report, tmp_path):
    page, problems, requests = open_page(browser, report)
    shots = {}
    for tab in ("overview", "rows", "clusters", "map", "failures"):
        page.click(f"#tabs button[data-tab='{tab}']")
        page.wait_for_selector(f"#{tab}.active")
        if tab in ("rows", "clusters"):   # every face image decoded
            page.wait_for_function(f"[...document.querySelectorAll('#{tab} img')]"
                                   ".every(i => i.complete && i.naturalWidth > 0)")
            assert page.locator(f"#{tab} img").count() > 10
        shots[tab] = page.screenshot(full_page=False)
        (tmp_path / f"{tab}.png").write_bytes(shots[tab])
    for tab, png in shots.items():
        colours, spread = content_of(png)
        assert colours > 40 and spread > 10, (tab, colours, spread)
    assert page.locator("#overview svg.chart").count() >= 3 * 4     # 3 columns x 4 charts
    assert page.locator("#failure-list tr").count() == 1 + 3
    # the map's canvases are drawn on (not blank)
    drawn = page.evaluate("""[...document.querySelectorAll('canvas.scatter')].map(c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 250 || d[i+1] < 250) n++;
        return n; })""")
    assert len(drawn) == 2 and min(drawn) > 500
    # hovering a point shows its face
    page.click("#tabs button[data-tab='map']")
    box = page.locator("canvas.scatter").first.bounding_box()
    data_xy = page.evaluate("[window.WSC_REPORT.map.x[0], window.WSC_REPORT.map.y[0]]")
    page.mouse.move(box["x"] + 8 + data_xy[0] * (box["width"] - 16),
                    box["y"] + 8 + (1 - data_xy[1]) * (box["height"] - 16))
    page.wait_for_selector("#tip:not([hidden]) figure")
    assert problems == []
    assert all(u.startswith(("file:", "blob:", "data:")) for u in requests), requests
    page.close()


def test_column_picker_changes_the_galleries(browser, report):
    page, problems, _ = open_page(browser, report)
    page.click("#tabs button[data-tab='rows']")
    first = page.inner_text("#rows h2")
    page.select_option("#column", "2")
    assert page.inner_text("#rows h2") != first or page.locator("#rows figure").count() > 0
    assert problems == []
    page.close()


def test_overrule_a_cluster_and_apply_it(browser, report, cleaning_run, tmp_path):
    page, problems, _ = open_page(browser, report)
    page.select_option("#column", "2")                       # AU12
    page.click("#tabs button[data-tab='clusters']")
    card = page.locator("#clusters-largest .cluster").first
    key = card.get_attribute("data-cluster")
    card.locator("button.overrule").first.click()
    assert page.inner_text("#review-count") == "1"
    page.click("#tabs button[data-tab='review']")
    with page.expect_download() as info:
        page.click("#download")
    path = tmp_path / "corrections.csv"
    info.value.save_as(path)
    assert problems == []
    page.close()

    data = cleaning_run
    corrections = pd.read_csv(path, dtype=str)
    cleaned = pd.read_csv(data["cleaned"], dtype=str, keep_default_na=False).set_index("id")
    cid = int(key.split(":")[1])
    members = cleaned.index[cleaned["cluster"].astype(int) == cid]
    assert sorted(corrections["id"]) == sorted(members)
    assert set(corrections["column"]) == {"AU12"} and set(corrections["decision"]) == {"overrule"}
    label = corrections["label"].iloc[0]
    majority = cleaned.loc[members, "AU12"].replace("", np.nan).dropna().mode()[0]
    assert label != majority                                   # overruled: the other class

    out = tmp_path / "recleaned.csv"
    assert main(["clean", "--features", str(data["store"]), "--labels", str(data["labels"]),
                 "--out", str(out), "--corrections", str(path), *FAST]) == 0
    again = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("id")
    assert (again.loc[members, "AU12"] == label).all()
    assert (again.loc[members, "AU12_confidence"].astype(float) == 1.0).all()

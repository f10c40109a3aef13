"""The Train page in Chromium against a real server: train live, leave and come back, Stop, compare runs.

These runs really train (small ones). Waits are generous: nothing here checks how fast training is.
"""

from __future__ import annotations

import re

from helpers import (
    WAIT_MS,
    assert_no_exception,
    choose,
    history_row,
    legend_labels,
    open_page,
    screenshot,
    set_slider,
    start_run,
    wait_for_app,
)
from playwright.sync_api import expect

EPOCH = re.compile(r"Epoch (\d+)/(\d+)")


def live_heading(page) -> str:
    """The live panel's heading: "<run name>: Epoch k/N", "...: queued", or the run's name once it ended."""
    return page.locator('[data-testid="stHeading"] h3').first.inner_text()


def current_epoch(page) -> int:
    match = EPOCH.search(live_heading(page))
    return int(match.group(1)) if match else 0


def picked(multiselect) -> list[str]:
    """The values chosen in a multiselect, from its chips."""
    return [tag.get_attribute("aria-label") for tag in multiselect.locator("[data-tag]").all()]


def whole_page_screenshot(page, name: str) -> None:
    """Streamlit scrolls inside its own container, so a "full page" shot is one screen: make the screen tall."""
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(max(height, 1000), 4000)})
    try:
        wait_for_app(page)
        page.wait_for_timeout(500)  # charts re-lay themselves out for the new width
        screenshot(page, name)
    finally:
        page.set_viewport_size({"width": 1400, "height": 1000})


def test_train_live_leave_come_back_and_stop(page, app_server):
    open_page(page, app_server, "/train")
    assert_no_exception(page)
    # A run long enough to leave the page and press Stop: 50 epochs of 6,000 images in batches of 32. Short
    # epochs: the curves have points after two of them (all 60,000 images trained both cores for a minute first).
    assert set_slider(page, "Training images", "Home", 2) == "6,000"
    assert set_slider(page, "Batch size", "Home", 1) == "32"
    assert set_slider(page, "Epochs", "End") == "50"
    start_run(page, "live run")

    heading = page.locator('[data-testid="stHeading"] h3', has_text=re.compile(r"Epoch \d+/50"))
    expect(heading).to_be_visible(timeout=WAIT_MS)
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    expect(charts.first.locator("canvas, svg").first).to_be_visible(timeout=WAIT_MS)
    expect(page.locator('[data-testid="stProgress"]')).to_be_visible()
    expect(page.get_by_role("button", name="Stop", exact=True)).to_be_enabled()
    # On a tablet's width, sidebar open, the button still reads "Stop", not "S." (its column was a sixth).
    viewport = page.viewport_size
    page.set_viewport_size({"width": 820, "height": 1180})
    wait_for_app(page)
    stop_text = page.get_by_role("button", name="Stop", exact=True).locator('[data-testid="stMarkdownContainer"]')
    assert stop_text.evaluate("e => e.scrollWidth <= e.clientWidth"), "the Stop button's word is cut"
    page.set_viewport_size(viewport)
    # Wait for a couple of finished epochs, so the curves have points to show.
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stHeading"] h3')]
                               .some(h => /Epoch ([3-9]|[1-4]\\d|50)\\/50/.test(h.innerText))""",
        timeout=WAIT_MS * 2,
    )
    assert_no_exception(page)
    screenshot(page, "train-during")
    before = current_epoch(page)

    nav = page.locator('[data-testid="stSidebarNav"]')
    nav.locator("a", has_text="Draw").click()
    page.wait_for_url(re.compile(r"/draw(\?|$)"))  # the Train page's settings may ride along for a moment
    wait_for_app(page)
    assert "draw" in page.locator("h1").first.inner_text().lower()
    nav.locator("a", has_text="Train").click()
    page.wait_for_url(re.compile(r"/train(\?|$)"))  # the page puts its settings in the address
    wait_for_app(page)
    # The run went on without the page: a later epoch now, or already over.
    expect(page.locator('[data-testid="stHeading"] h3', has_text="live run")).to_be_visible(timeout=WAIT_MS)
    page.wait_for_function(
        f"""() => {{
        const h = [...document.querySelectorAll('[data-testid="stHeading"] h3')].map(e => e.innerText).join(' ');
        const m = h.match(/Epoch (\\d+)\\/50/);
        return m ? Number(m[1]) > {before} : h.includes('live run');
    }}""",
        timeout=WAIT_MS,
    )
    assert current_epoch(page) > before or "Epoch" not in live_heading(page)

    page.get_by_role("button", name="Stop", exact=True).click()
    expect(page.get_by_text(re.compile(r"^Stopped\."))).to_be_visible(timeout=10_000)
    expect(page.get_by_role("button", name="Stop", exact=True)).to_have_count(0, timeout=10_000)
    wait_for_app(page)
    assert_no_exception(page)
    row = history_row(page, "live run")
    expect(row).to_have_count(1, timeout=WAIT_MS)
    assert "stopped" in row.inner_text()
    expect(page.get_by_text(re.compile(r"partly trained model is kept"))).to_be_visible()
    whole_page_screenshot(page, "train-after")


def test_train_two_quick_runs_and_compare_them(page, app_server):
    open_page(page, app_server, "/train")
    for preset, name in (("Seed notebook", "seed 1k"), ("No dropout", "no dropout 1k")):
        choose(page, "Preset", preset)
        assert set_slider(page, "Training images", "Home") == "1,000"
        assert set_slider(page, "Epochs", "Home", 2) == "3"
        start_run(page, name)
        finished = page.get_by_text(re.compile(r"^Finished: test accuracy"))
        expect(page.locator('[data-testid="stHeading"] h3', has_text=re.compile(f"^{name}$"))).to_be_visible(
            timeout=WAIT_MS
        )
        expect(finished).to_be_visible(timeout=WAIT_MS)
        wait_for_app(page)
        assert_no_exception(page)
    # The live curves' keys, whole on a tablet (sidebar open) as on a laptop and a projector.
    for width, height in ((820, 1180), (1280, 900), (1600, 1000)):
        page.set_viewport_size({"width": width, "height": height})
        wait_for_app(page)
        labels, cut = legend_labels(page, "per epoch")
        assert labels == ["Training", "Validation", "Training, per batch"] * 2 and cut == [], (width, cut)
    page.set_viewport_size({"width": 1400, "height": 1000})

    picker = page.locator('[data-testid="stMultiSelect"]').filter(has=page.get_by_text("Compare runs"))
    ours = ("seed 1k", "no dropout 1k")
    # Exactly the two runs: remove any other pick, add either of ours that is missing.
    for other in [name for name in picked(picker) if name not in ours]:
        picker.get_by_role("button", name=f"Remove {other}", exact=True).click()
        wait_for_app(page)
    for name in ours:
        if name not in picked(picker):
            picker.get_by_role("combobox").click()
            page.get_by_role("option", name=name, exact=True).click()
            page.keyboard.press("Escape")
            wait_for_app(page)
    assert sorted(picked(picker)) == sorted(ours)

    overlay = page.locator('[data-testid="stVegaLiteChart"]').last
    expect(overlay.locator("canvas, svg").first).to_be_visible(timeout=WAIT_MS)
    overlay.scroll_into_view_if_needed()
    assert_no_exception(page)
    screenshot(page, "train-compare")

"""A teacher's lesson link, made on the Train page, opens in a fresh browser with its settings and controls."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from helpers import assert_no_exception, open_page, screenshot, set_slider, slider, wait_for_app
from playwright.sync_api import expect

from ui.plain_text import WORD_JOINER


def test_a_lesson_link_opens_a_fresh_browser_on_the_same_settings_with_only_the_chosen_controls(
    page, browser, app_server
):
    open_page(page, app_server, "/train")
    assert set_slider(page, "Dropout after layer 1", "Home", 10) == "0.50"
    assert set_slider(page, "Epochs", "Home", 2) == "3"
    assert "dropout=0.5" in page.url and "epochs=3" in page.url  # the address bar follows the controls

    page.get_by_role("button", name=re.compile("Copy lesson link")).click()
    picker = page.locator('[data-testid="stMultiSelect"]').filter(has=page.get_by_text("Controls the class sees"))
    picker.get_by_role("button", name="Clear all").click()
    wait_for_app(page)
    picker.get_by_role("combobox").click()
    page.get_by_role("option", name="Dropout", exact=True).click()
    page.keyboard.press("Escape")
    wait_for_app(page)
    link = page.locator("code", has_text="show=dropout").first
    expect(link).to_be_visible()
    url = link.inner_text().strip()
    assert url.startswith(app_server.url + "/train?"), url
    # The tests' server is on 127.0.0.1: a link made there would open nothing on a student's device.
    expect(page.get_by_text(re.compile("^This link starts with 127.0.0.1, which means this computer"))).to_be_visible()
    screenshot(page, "lesson-link-made")

    student = browser.new_context(viewport={"width": 1024, "height": 800})  # no cookies, no session
    try:
        fresh = student.new_page()
        fresh.goto(url)
        wait_for_app(fresh)
        expect(
            fresh.get_by_text(
                re.compile("^This lesson shows only some of the controls. The others are set to: MLP 256-128")
            )
        ).to_be_visible()
        assert slider(fresh, "Dropout after layer 1").get_attribute("aria-valuetext") == "0.50"
        assert slider(fresh, "Dropout after layer 2").get_attribute("aria-valuetext") == "0.00"
        for hidden in ("Epochs", "Hidden layers", "Batch size", "Training images", "Learning rate"):
            expect(slider(fresh, hidden)).to_have_count(0)
        expect(fresh.locator('[data-testid="stSelectbox"]').filter(has=fresh.get_by_text("Preset"))).to_have_count(0)
        assert "epochs=3" in fresh.url
        fresh.get_by_text("Show the code: these settings in Keras").click()
        expect(fresh.locator("code", has_text="epochs=3")).to_be_visible()
        expect(fresh.locator("code", has_text="layers.Dropout(0.5)")).to_be_visible()
        assert_no_exception(fresh)
        screenshot(fresh, "lesson-link-opened")
    finally:
        student.close()


def test_a_links_values_show_as_typed_never_as_markdown(page, app_server):
    """A link could put a working outside link, or bold text, inside the app's own warning."""
    bait = "[Sign in here](http://evil.example/a)"  # within the 40 characters a notice quotes
    open_page(page, app_server, "/train?" + urlencode({"epochs": bait, "units": "**64**"}))
    warnings = page.locator('[data-testid="stAlertContentWarning"]')
    expect(warnings).to_have_count(2)
    shown = " ".join(w.inner_text() for w in warnings.all()).replace(WORD_JOINER, "")
    assert f"epochs='{bait}'" in shown and "units='**64**'" in shown
    assert warnings.locator("a").count() == 0 and warnings.locator("strong").count() == 0
    assert_no_exception(page)

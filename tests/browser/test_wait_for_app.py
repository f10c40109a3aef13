"""The tests' "page is done" wait (``wait_for_app``, lab/chromium.py) also waits for elements whose code is
still loading. A browser fetches an element's code on its first use; on a busy machine that takes seconds,
and the run has ended while the element is a grey placeholder. CI once read "1 of 20" on You vs model in a
second browser before its progress bar's code had come."""

from helpers import assert_no_exception, open_page

CODE_DELAY_MS = 2_000  # well past the wait's 500 ms quiet period


def test_the_wait_lasts_until_slowly_loaded_element_code_has_drawn_its_element(browser, app_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # its own cache: fetches all code
    page = context.new_page()
    try:
        open_page(page, app_server, "/")

        def slow_code(route):
            if "/static/js/" in route.request.url:
                page.wait_for_timeout(CODE_DELAY_MS)
            route.continue_()

        page.route("**/*", slow_code)
        open_page(page, app_server, "/versus")
        assert page.get_by_text("1 of 20", exact=True).is_visible()  # the progress bar: its code came late
        assert page.locator('[data-testid="stSkeleton"]').count() == 0
        assert_no_exception(page)
    finally:
        context.close()

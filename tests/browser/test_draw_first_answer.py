"""Draw page: everything a drawing's answer and its pictures need from the server's static files comes
with the page, so a class's first drawings, arriving together, wait for no code (issue 29: before, thirty
pages fetched the answer's code at once on their first drawing and answers sat as grey placeholders).

Once the page is open, every request for the app's code is held (never answered): the answer, its bars,
the 28x28 picture and Inside the network must still be drawn. Only pictures (media) may be fetched."""

from helpers import assert_no_exception, open_page

from lab.drawn_digits import load_drawn_digits
from lab.score_in_browser import draw_strokes, read_prediction


def test_the_first_answer_needs_no_code_the_page_did_not_already_fetch(browser, app_server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    held = []
    try:
        open_page(page, app_server, "/draw")
        page.get_by_text("Draw a digit", exact=True).wait_for()
        page.wait_for_timeout(500)  # the empty answer's elements drawn, their code fetched

        def hold_code(route):
            if "/static/" in route.request.url:
                held.append(route.request.url)  # never answered: as a server too busy to send it
            else:
                route.continue_()

        page.route("**/*", hold_code)
        four = next(d for d in load_drawn_digits() if d["set"] == "holdout" and d["label"] == 4)
        draw_strokes(page, four["strokes"])
        assert read_prediction(page) == 4
        page.get_by_text("Softmax: the scores turned", exact=False).wait_for(timeout=30_000)
        assert_no_exception(page)
        skeletons = page.locator('[data-testid="stSkeleton"], [data-testid="stElementSkeleton"]')
        assert skeletons.count() == 0
        assert held == [], f"the first answer fetched code: {held}"
    finally:
        context.close()

"""The teacher passcode's try limit on its own: per key, over a sliding window, and a map that stays small."""

from ui.passcode_tries import PasscodeTries


def test_the_limit_holds_for_the_window_then_frees_one_try_at_a_time():
    tries = PasscodeTries(limit=3, window_s=60)
    for t in (0, 10, 20):
        assert tries.wait(["browser"], now=t) == 0
        tries.record(["browser"], now=t)
    assert tries.wait(["browser"], now=30) == 30  # the first try leaves the window at 60
    assert tries.wait(["browser"], now=60) == 0
    assert tries.wait(["other browser"], now=30) == 0


def test_a_try_counts_against_every_key_it_was_made_under():
    """A browser and its device: a fresh browser on the same device is still refused."""
    tries = PasscodeTries(limit=2, window_s=60)
    tries.record(["browser-1", "device"], now=0)
    tries.record(["browser-1", "device"], now=1)
    assert tries.wait(["browser-2", "device"], now=2) == 58
    assert tries.wait(["browser-2"], now=2) == 0


def test_old_tries_are_forgotten_so_many_passing_browsers_leave_nothing_behind():
    tries = PasscodeTries(limit=5, window_s=60)
    for n in range(1000):  # a thousand hand-made cookies, one wrong try each
        tries.record([f"browser-{n}"], now=n / 100)
    assert len(tries._failures) == 1000
    tries.record(["latest"], now=100)
    assert list(tries._failures) == ["latest"]
    assert tries.wait(["latest"], now=161) == 0 and tries._failures == {}

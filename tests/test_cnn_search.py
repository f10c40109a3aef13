"""The CNN preset's recipe search: its rule on given scores, and a quick real run that shows no test score."""

import json

import pytest

from lab import cnn_search
from lab.cli import main
from mnist_core.config import PRESETS


def score(mean: float, seconds: float) -> dict:
    return {"config": "x", "seeds": [0, 1, 2], "accuracies": [mean - 0.0002, mean, mean + 0.0002], "seconds": seconds}


def verdict(scores: list[dict], plain_seconds: float = 20.0) -> str:
    """The verdict when the first candidate is the preset."""
    chosen = cnn_search.choose(scores, plain_seconds)
    replace = chosen["winner"] not in (None, 0) and cnn_search.clears_bar(scores[chosen["winner"]]["accuracies"])
    return cnn_search.describe_verdict({"scores": scores, "preset": 0, **chosen, "replace_preset": replace})


def test_the_preset_is_a_candidate_and_every_candidate_is_a_valid_cnn():
    configs = cnn_search.candidates()
    assert PRESETS["cnn"] in configs
    assert len({c for c in configs}) == len(configs)
    for config in configs:
        assert config.validate().architecture == "cnn" and config.holds_out_validation


def test_the_best_admissible_mean_wins_and_a_slow_recipe_is_left_out():
    chosen = cnn_search.choose([score(0.9937, 15.0), score(0.9950, 21.0), score(0.9946, 17.0)], plain_seconds=20.0)
    assert chosen["cap_seconds"] == pytest.approx(18.0)
    assert chosen["admissible"] == [0, 2] and chosen["winner"] == 2


def test_within_one_image_the_faster_recipe_wins():
    chosen = cnn_search.choose([score(0.9946, 17.0), score(0.9945, 15.0)], plain_seconds=20.0)
    assert chosen["winner"] == 1


def test_nothing_is_chosen_when_every_recipe_is_too_slow():
    chosen = cnn_search.choose([score(0.9950, 19.0)], plain_seconds=20.0)
    assert chosen["admissible"] == [] and chosen["winner"] is None


def test_the_bar_asks_for_a_clearly_better_recipe():
    assert cnn_search.clears_bar([0.9946, 0.9944, 0.9945, 0.9943, 0.9947, 0.9945])
    assert not cnn_search.clears_bar([0.9940, 0.9944, 0.9948, 0.9944, 0.9944, 0.9944])  # 99.44%: one image short


def test_the_verdict_replaces_the_preset_only_with_a_winner_over_the_bar():
    assert verdict([score(0.9937, 15.0), score(0.9946, 17.0)]).endswith(
        "it replaces the preset; then the bench measures test once."
    )
    assert verdict([score(0.9937, 15.0), score(0.9944, 17.0)]).endswith("under the bar of 99.45%: the preset stays.")
    assert verdict([score(0.9947, 15.0), score(0.9946, 17.0)]).endswith("the preset itself: the preset stays.")
    assert verdict([score(0.9950, 19.0)]) == "No candidate is admissible: the preset stays."


def test_the_quick_search_runs_end_to_end_and_prints_no_test_score(capsys):
    assert main(["cnn-search", "--quick", "--json"]) == 0
    out = capsys.readouterr().out
    *lines, last = out.strip().splitlines()
    result = json.loads(last)
    assert "test" not in " ".join(lines).lower()
    assert "test" not in json.dumps(result).lower()
    assert len(result["scores"]) == 2 and len(result["plain_seconds"]) == 4
    for entry in result["scores"]:
        assert entry["seeds"] == [0, 1] and all(0.5 < a <= 1 for a in entry["accuracies"])
        assert "1 epoch," in entry["config"]
    assert result["replace_preset"] is False  # one epoch on 6,000 images is far under the bar
    assert lines[-1].endswith("the preset stays.")

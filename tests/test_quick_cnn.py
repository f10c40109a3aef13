"""The Quick CNN preset: its search's rule on given scores, its place among the presets, and a real training."""

import pytest

from class_server.cli import build_parser as class_server_parser
from lab import quick_cnn_search
from lab.bench_training import meets_goal
from lab.cli import build_parser as lab_parser
from mnist_core.command_line import config_from_args
from mnist_core.config import PRESET_LABELS, PRESETS
from mnist_core.lesson import BATCH_SIZES, EPOCHS, FILTERS, LEARNING_RATES, SHIFTS, lesson_from_query


def score(mean: float, seconds: float, first_seconds: float | None = None) -> dict:
    """Scores over six seeds; the first run may be slower (it traces the network and measures its number format)."""
    times = [first_seconds or seconds] + [seconds] * 5
    return {"config": "x", "seeds": list(range(6)), "accuracies": [mean - 0.0002, mean + 0.0002] * 3, "times": times}


def test_the_fastest_candidate_over_the_bar_and_under_the_cap_wins():
    scores = [score(0.9930, 5.0), score(0.9912, 4.0), score(0.9925, 5.2), score(0.9905, 3.0), score(0.9950, 6.0)]
    chosen = quick_cnn_search.choose(scores, plain_seconds=20.0)
    assert chosen["cap_seconds"] == pytest.approx(5.4)
    assert chosen["admissible"] == [0, 1, 2, 3]  # 6.0 s is over 0.27 x 20 s
    assert chosen["qualifying"] == [0, 1, 2]  # 99.05% is under the bar of 99.1%
    assert chosen["winner"] == 1


def test_the_time_is_the_median_over_the_seeds_so_a_slow_first_run_counts_once():
    chosen = quick_cnn_search.choose([score(0.9920, 5.0, first_seconds=9.0)], plain_seconds=20.0)
    assert chosen["winner"] == 0


def test_nothing_is_chosen_when_no_fast_enough_candidate_reaches_the_bar():
    scores = [score(0.9908, 4.0), score(0.9940, 5.5)]
    result = {"scores": scores, "preset": None, **quick_cnn_search.choose(scores, plain_seconds=20.0)}
    assert result["winner"] is None
    assert quick_cnn_search.describe_verdict(result) == (
        "No admissible candidate reaches a validation mean of 99.1%: there is no Quick CNN."
    )


def test_the_preset_is_the_search_s_candidate_and_offered_by_name_link_and_command_line():
    assert PRESETS["quick-cnn"] in quick_cnn_search.candidates()
    assert PRESET_LABELS["quick-cnn"] == "Quick CNN"
    lesson = lesson_from_query({"preset": "quick-cnn"})
    assert lesson.config == PRESETS["quick-cnn"] and not lesson.notices
    args = class_server_parser().parse_args(["train", "--preset", "quick-cnn"])
    assert config_from_args(args) == PRESETS["quick-cnn"]


def test_every_candidate_is_a_valid_cnn_the_train_page_can_show():
    configs = quick_cnn_search.candidates()
    assert len(set(configs)) == len(configs)
    for config in configs:
        assert config.validate().architecture == "cnn" and config.holds_out_validation
        assert set(config.conv_filters) <= set(FILTERS) and config.shift in SHIFTS and config.epochs in EPOCHS
        assert config.batch_size in BATCH_SIZES and config.learning_rate in LEARNING_RATES


def test_the_lab_has_the_search_on_its_command_line():
    args = lab_parser().parse_args(["quick-cnn-search", "--quick", "--json"])
    assert (args.command, args.quick, args.json) == ("quick-cnn-search", True, True)


def test_the_goal_needs_both_99_percent_and_at_most_0_3x_plain():
    assert meets_goal({"time_to_99_seconds": 5.0, "time_vs_plain_mlp": 0.25})
    assert not meets_goal({"time_to_99_seconds": 7.0, "time_vs_plain_mlp": 0.35})
    assert not meets_goal({"time_to_99_seconds": None, "time_vs_plain_mlp": 0.2})


@pytest.mark.slow
def test_the_quick_cnn_trains_past_99_percent_on_real_mnist():
    from mnist_core.trainer import train

    result = train(PRESETS["quick-cnn"])
    assert result.metrics["epochs_completed"] == PRESETS["quick-cnn"].epochs
    assert result.metrics["test_accuracy"] >= CLAIMED_SEED_0 - MARGIN


# Seed 0's test accuracy in the bench (README: 99.21%, median of seeds 0-2 99.21%), less 0.3 points: a single
# seed's spread there (99.16-99.24%) and what another CPU's number format (float32 or bfloat16) may change.
CLAIMED_SEED_0 = 0.9921
MARGIN = 0.003

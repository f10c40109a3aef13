"""What the lab's recipe searches share (``cnn_search.py``, ``quick_cnn_search.py``): candidates trained in the
bench's child processes with plain Keras timed around them, scored on the validation images only, and said in
one line each.

Each search adds its own candidates and its own rule, written before its first run. A candidate's runs keep
their test accuracies unread: no search prints or returns a test score, so any can be run again without
looking at the test set.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass

from lab.bench_training import QUICK, fit_in_child, trainer_process
from mnist_core.config import PRESETS, TrainConfig
from mnist_core.wording import counted

PLAIN_SEEDS = (0, 1)  # plain fits before the candidates and again after them


@dataclass(frozen=True)
class Scored:
    """A search's measurements: each candidate's score and plain Keras' seed-MLP fits, before and after."""

    scores: list[dict]  # {"config", "seeds", "accuracies" (validation, one a seed), "seconds" (mean), "times"}
    plain_seconds: list[float]

    @property
    def plain_mean(self) -> float:
        return statistics.mean(self.plain_seconds)


def score_candidates(
    configs: list[TrainConfig], seeds: tuple[int, ...], quick: bool, log: Callable[[str], None] = print
) -> Scored:
    """Train every config with every seed in our trainer's child process, and plain Keras fitting the seed MLP
    (the quick subset when ``quick``) before and after them in its own; ``log`` a line per candidate."""
    plain_config = PRESETS["seed"].replace(**QUICK) if quick else PRESETS["seed"]

    def plain_fits() -> list[float]:
        return [
            plain.submit(fit_in_child, "plain", plain_config.replace(seed=s)).result()["seconds"] for s in PLAIN_SEEDS
        ]

    def validation(config: TrainConfig) -> dict:
        runs = [ours.submit(fit_in_child, "ours", config.replace(seed=s)).result() for s in seeds]
        return {  # the runs' test accuracies stay here, unread
            "config": label(config),
            "seeds": list(seeds),
            "accuracies": [run["val_accuracy"] for run in runs],
            "seconds": statistics.mean(run["seconds"] for run in runs),
            "times": [run["seconds"] for run in runs],
        }

    # the quick search only shows that it runs: no warm-up fits (lab/bench_training.py)
    with trainer_process(True, warm_up=not quick) as plain, trainer_process(False, warm_up=not quick) as ours:
        before = plain_fits()
        scores = []
        for number, config in enumerate(configs, 1):
            scores.append(validation(config))
            log(f"[{number}/{len(configs)}] {scores[-1]['config']}: mean {mean(scores[-1]):.3%}")
        return Scored(scores, before + plain_fits())


def label(config: TrainConfig) -> str:
    """What sets a candidate apart, such as ``16-32-64 filters + 128 dense, 7 epochs, batch 128, rate 0.005``
    (and ``, no shift`` or ``, no dropout`` where it differs from the CNN preset)."""
    filters = "-".join(str(f) for f in config.conv_filters)
    units = "-".join(str(u) for u in config.hidden_units)
    epochs = counted(config.epochs, "epoch")
    cnn = PRESETS["cnn"]
    shift = "" if config.shift == cnn.shift else f", shift {config.shift} px" if config.shift else ", no shift"
    dropout = "" if config.dropouts == cnn.dropouts else f", dropout {'/'.join(f'{d:g}' for d in config.dropouts)}"
    rate = f"rate {config.learning_rate:g}"
    return f"{filters} filters + {units} dense, {epochs}, batch {config.batch_size}, {rate}{shift}{dropout}"


def mean(score: dict) -> float:
    return statistics.mean(score["accuracies"])


def describe_score(score: dict, seconds: float, plain_seconds: float, admissible: bool) -> str:
    """One candidate's line: its validation accuracies, their mean, ``seconds`` (its time as the rule reads it)."""
    accuracies = " ".join(f"{a:.2%}" for a in score["accuracies"])
    return (
        f"  {score['config']}: validation {accuracies} (seeds {score['seeds'][0]}-{score['seeds'][-1]}), "
        f"mean {mean(score):.3%}, {seconds:.1f} s, {seconds / plain_seconds:.2f}x plain"
        f"{'' if admissible else ', over the cap'}"
    )


def describe_plain(scored: Scored, time_cap: float, cap_seconds: float, admissible: int) -> str:
    seconds = ", ".join(f"{s:.1f} s" for s in scored.plain_seconds)
    return (
        f"Plain Keras model.fit of the seed MLP: {seconds} (before and after), mean {scored.plain_mean:.1f} s; "
        f"admissible within {time_cap:g}x: {cap_seconds:.1f} s ({admissible} of {len(scored.scores)} candidates)."
    )

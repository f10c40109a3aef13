"""``python -m lab``: the lab's tools from the terminal: the bench, the CNN search, the profile, the default
model and its card, and the "not sure" margin's rule.

Arguments are checked before TensorFlow is imported; every user error is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from lab.bench import PARTS as BENCH_PARTS
from mnist_core.command_line import EXIT_USAGE, Parser, whole
from mnist_core.errors import UserError

SEARCHES = {"cnn-search": ("CNN", 20), "quick-cnn-search": ("Quick CNN", 10)}  # command: (its preset, minutes)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m lab", description="MNIST Studio's lab: measurements and the model card.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    _lab_commands(commands)
    return parser


def _lab_commands(commands) -> None:
    """The default model and its card, the profile, the CNN searches, the bench and the 'not sure' rule."""
    commands.add_parser(
        "default-model",
        help="retrain models/default.keras from its recipe with today's code, "
        "then measure it and write its model card's table (about 10 minutes)",
    )
    commands.add_parser("model-card", help="measure models/default.keras and write its model card's table")

    commands.add_parser("profile", help="where an epoch of the seed preset's training goes, op by op")
    for name, (preset, minutes) in SEARCHES.items():
        search = commands.add_parser(
            name,
            help=f"how the {preset} preset is chosen: its candidates judged on the validation images by a fixed rule "
            f"(about {minutes} minutes here; prints no test score)",
        )
        search.add_argument(
            "--quick", action="store_true", help="two candidates, 1 epoch on 6,000 images: only checks that it runs"
        )
        search.add_argument("--json", action="store_true", help="print the results as one JSON line at the end")
    bench = commands.add_parser("bench", help="time training, prediction and the app's start on this machine")
    bench.add_argument(
        "--quick",
        action="store_true",
        help="1 epoch on 6,000 images: only checks that the bench runs, the numbers mean little",
    )
    bench.add_argument(
        "--class-runs",
        type=whole(0, 64),
        metavar="K",
        help="seed-preset runs submitted at once for the class makespan, local vs Ray "
        "(default 4, 2 with --quick; 0 skips it)",
    )
    bench.add_argument(
        "--rounds",
        type=whole(2, 50),
        metavar="N",
        help="alternated rounds of plain Keras and our trainer, seed i in round i (default 5, 2 with --quick)",
    )
    bench.add_argument(
        "--no-app", action="store_true", help="skip the app's rows (its cold start, a class of 30 on it)"
    )
    bench.add_argument(
        "--only",
        action="append",
        choices=list(BENCH_PARTS),
        help="run only this part (repeatable), to repeat one figure: "
        + "; ".join(f"{name}: {what}" for name, what in BENCH_PARTS.items()),
    )
    bench.add_argument("--json", action="store_true", help="print the results as one JSON line at the end")
    commands.add_parser(
        "close-margin", help="apply the Draw page's 'not sure' rule to the default model's tune drawings again"
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {
            "bench": _bench,
            "profile": _profile,
            "cnn-search": _search,
            "quick-cnn-search": _search,
            "default-model": _default_model,
            "model-card": _model_card,
            "close-margin": _close_margin,
        }[args.command](args)
    except UserError as error:
        print(f"python -m lab: error: {error}", file=sys.stderr)
        return EXIT_USAGE


def _default_model(args) -> int:
    from lab.default_model import RECIPE, rebuild

    print(f"Retraining the default model: {RECIPE.describe()}, {RECIPE.epochs} epochs...", file=sys.stderr)
    rebuild(log=lambda line: print(line, file=sys.stderr, flush=True))
    return 0


def _model_card(args) -> int:
    from lab.default_model import write_card

    write_card(log=print)
    return 0


def _bench(args) -> int:
    from lab.bench import run_bench

    print("Benchmarking on this machine (a few minutes; --quick for a smoke test)...", file=sys.stderr)
    result = run_bench(
        quick=args.quick,
        log=lambda line: print(line, flush=True),
        class_runs=args.class_runs,
        rounds=args.rounds,
        app=not args.no_app,
        only=tuple(args.only or BENCH_PARTS),
    )
    if args.json:
        print(json.dumps(result))
    return 0


def _search(args) -> int:
    from lab import cnn_search, quick_cnn_search

    search = {"cnn-search": cnn_search, "quick-cnn-search": quick_cnn_search}[args.command]
    preset, minutes = SEARCHES[args.command]
    print(
        f"Comparing {preset} recipes on the validation images (about {minutes} minutes here; "
        "--quick for a smoke test)...",
        file=sys.stderr,
    )
    result = search.run_search(quick=args.quick, log=lambda line: print(line, flush=True))
    if args.json:
        print(json.dumps(result))
    return 0


def _profile(args) -> int:
    from lab.epoch_profile import describe_profile, profile_epoch

    print("Profiling an epoch of the seed preset (about a minute)...", file=sys.stderr)
    print(describe_profile(profile_epoch()))
    return 0


def _close_margin(args) -> int:
    from lab.close_margin import report

    report()
    return 0

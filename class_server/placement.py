"""Which of the lab's PCs can take a run: enough CPUs, and bfloat16 units when the run computes in bfloat16.

Read from the cluster's live nodes (``ray.nodes()``) just before a run is handed to Ray, so that a run no
PC can take fails at once with a sentence saying why, instead of waiting "starting..." for ever.

A PC says it has bfloat16 units through Ray's custom resource ``bfloat16`` (``make lab`` and ``make
lab-join`` declare 1 of it when ``cpu_threads.has_bfloat16_units()`` is true there). A run whose settings
name bfloat16 asks Ray for a sliver of it, so Ray starts it only on such a PC; a PC's CPUs, not the sliver,
limit how many runs it trains at once. If no PC big enough for the run has the units, the run trains in
float32 and its record says so (``number_format`` in its metrics, shown beside its settings): never a failure.

Runs asking for the "fastest" format ask for nothing more and may go to any PC: the PC that takes one
measures both formats when it has the units and trains float32 unmeasured when not
(mnist_core/number_format.py), as the server itself would.

Pure Python on the node records Ray gives, so it is tested without a cluster too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from mnist_core import cpu_threads
from mnist_core.config import TrainConfig
from mnist_core.errors import UserError
from mnist_core.number_format import NumberFormat
from mnist_core.wording import counted

BFLOAT16 = "bfloat16"  # the custom resource's name
BFLOAT16_SHARE = 0.01  # what a bfloat16 run asks of the 1 a PC declares
FLOAT32_INSTEAD = (
    "float32: you asked for bfloat16, but no lab computer that can take this run has bfloat16 units, "
    "so it trained in float32 (about the same accuracy)"
)


@dataclass(frozen=True)
class Placement:
    """What a run's Ray task asks for beyond its CPUs, the format it trains in, and why if not the asked one."""

    resources: dict[str, float]
    precision: str
    note: str | None = None

    @property
    def number_format(self) -> dict | None:
        """The run's ``number_format`` metric when it trains in another format than its settings name."""
        return asdict(NumberFormat(self.precision, None, None, self.note)) if self.note else None


def place(config: TrainConfig, cpus_per_run: int, nodes: list[dict]) -> Placement:
    """Where ``config`` may train among ``nodes`` (as ``ray.nodes()`` lists them), or UserError when nowhere."""
    alive = [node["Resources"] for node in nodes if node.get("Alive")]
    big_enough = [resources for resources in alive if resources.get("CPU", 0) >= cpus_per_run]
    if not big_enough:
        raise UserError(_too_big(cpus_per_run, max((int(r.get("CPU", 0)) for r in alive), default=0)))
    if config.precision != BFLOAT16:
        return Placement({}, config.precision)
    if any(resources.get(BFLOAT16, 0) >= BFLOAT16_SHARE for resources in big_enough):
        return Placement({BFLOAT16: BFLOAT16_SHARE}, BFLOAT16)
    return Placement({}, "float32", FLOAT32_INSTEAD)


def ray_start_option() -> str:
    """The ``ray start`` option declaring this PC's bfloat16 units, or "" without them (Makefile, lab and lab-join).
    One word without spaces, so the shell passes it whole."""
    return f'--resources={{"{BFLOAT16}":1}}' if cpu_threads.has_bfloat16_units() else ""


def _too_big(cpus_per_run: int, largest: int) -> str:
    if largest == 0:
        return (
            "No computer in the lab can train this run: none is lending its processor cores right now. "
            "Ask your teacher to run `make lab-join` on the lab's computers, then train again."
        )
    return (
        f"No computer in the lab can train this run: it needs {counted(cpus_per_run, 'processor core')} on one "
        f"computer, and the biggest computer in the lab has {largest}. Ask your teacher to give each run fewer "
        "cores (MNIST_STUDIO_RAY_CPUS_PER_RUN) or to add a bigger computer."
    )

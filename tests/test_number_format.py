"""The fastest number format is chosen by timing the run's own training steps here, not by the CPU's flags."""

import json
import os
import re
import subprocess
import sys

import pytest

from mnist_core import cpu_threads, number_format
from mnist_core.config import FASTEST, PRESETS, TrainConfig
from mnist_core.cost import Rates, estimate
from mnist_core.paths import PROJECT_DIR

CNN = PRESETS["cnn"]


@pytest.fixture
def timed(monkeypatch):
    """A CPU listing bfloat16 units whose step times are set by the test; counts the measurements."""
    times = {"float32": 0.010, "bfloat16": 0.010, "calls": []}

    def fake(config):
        times["calls"].append(config)
        return times["float32"], times["bfloat16"]

    monkeypatch.setattr(number_format, "_known", {})
    monkeypatch.setattr(number_format, "_time_steps", fake)
    monkeypatch.setattr(cpu_threads, "has_bfloat16_units", lambda: True)
    return times


def test_the_cnn_preset_asks_for_the_fastest_format_and_old_formats_stay_valid():
    assert CNN.precision == FASTEST
    for saved in ("float32", "bfloat16", FASTEST):  # runs saved before "fastest" existed name one of the two
        assert TrainConfig.from_dict({**CNN.to_dict(), "precision": saved}).precision == saved


def test_bfloat16_slower_here_trains_in_float32_and_says_why(timed):
    timed["float32"], timed["bfloat16"] = 0.0138, 0.0183
    choice = number_format.choose(CNN)
    assert choice == number_format.NumberFormat(
        "float32", 0.0138, 0.0183, "float32: bfloat16 was 1.3x slower on this computer"
    )
    assert choice.step_times == "a training step took 13.8 ms in float32, 18.3 ms in bfloat16"
    assert number_format.resolved(CNN)[0] == CNN.replace(precision="float32")


def test_bfloat16_faster_here_is_chosen(timed):
    timed["float32"], timed["bfloat16"] = 0.0128, 0.0080
    choice = number_format.choose(CNN)
    assert (choice.precision, choice.reason) == ("bfloat16", "bfloat16: 1.6x faster here")
    assert number_format.resolved(CNN)[0].precision == "bfloat16"


@pytest.mark.parametrize("bfloat16", [0.0097, 0.0100, 0.0104])
def test_bfloat16_within_the_margin_keeps_float32(timed, bfloat16):
    timed["float32"], timed["bfloat16"] = 0.0100, bfloat16
    assert number_format.choose(CNN).reason == "float32: bfloat16 was no faster on this computer"


def test_without_bfloat16_units_float32_is_chosen_without_measuring(timed, monkeypatch):
    monkeypatch.setattr(cpu_threads, "has_bfloat16_units", lambda: False)
    choice = number_format.choose(CNN)
    assert choice == number_format.NumberFormat("float32", None, None, "float32: this computer has no bfloat16 units")
    assert not choice.measured and timed["calls"] == []


def test_a_format_named_in_the_settings_is_trained_in_unmeasured(timed):
    for precision in ("float32", "bfloat16"):
        assert number_format.choose(CNN.replace(precision=precision)).precision == precision
    assert timed["calls"] == []


def test_each_network_shape_is_measured_once_for_the_process(timed):
    assert number_format.known(CNN) is None
    first = number_format.choose(CNN)
    # the seed, the epochs, the images and the validation change nothing of a step's speed
    same = CNN.replace(seed=3, epochs=2, train_size=3000, validation="test")
    assert number_format.choose(same) is first and number_format.known(same) is first
    assert len(timed["calls"]) == 1
    number_format.choose(CNN.replace(batch_size=64))
    number_format.choose(CNN.replace(conv_filters=(8,)))
    assert len(timed["calls"]) == 3


def test_the_estimate_of_a_fastest_run_uses_the_measured_format(timed):
    slow_bfloat16 = [2 * rate for rate in _rates().step["float32"]]
    rates = _rates(bfloat16_step=slow_bfloat16)
    float32_estimate = estimate(CNN.replace(precision="float32"), rates).seconds
    assert estimate(CNN, rates).seconds == float32_estimate  # unmeasured: the faster by the rates
    timed["float32"], timed["bfloat16"] = 0.02, 0.01  # measured: bfloat16, whatever the rates say
    number_format.choose(CNN)
    assert estimate(CNN, rates).seconds == estimate(CNN.replace(precision="bfloat16"), rates).seconds
    assert estimate(CNN, rates).seconds > float32_estimate


@pytest.mark.slow
def test_a_fastest_run_trains_in_the_chosen_format_and_records_why(timed):
    from mnist_core.trainer import train

    timed["float32"], timed["bfloat16"] = 0.02, 0.01
    config = TrainConfig(
        conv_filters=(8,), hidden_units=(32,), dropouts=(0.0,), precision=FASTEST, epochs=2, train_size=3000
    )  # 84.8% test accuracy in bfloat16 (tests/test_ray_runner.py)
    result = train(config)
    assert result.model.get_layer("conv_1").compute_dtype == "bfloat16"
    assert result.metrics["number_format"] == {
        "precision": "bfloat16",
        "float32_step": 0.02,
        "bfloat16_step": 0.01,
        "reason": "bfloat16: 2.0x faster here",
    }
    assert result.metrics["test_accuracy"] > 0.75


@pytest.mark.slow
@pytest.mark.skipif(not cpu_threads.has_bfloat16_units(), reason="this CPU has no bfloat16 units: nothing to time")
def test_the_measurement_on_this_computer_times_both_formats_and_picks_the_faster(monkeypatch):
    monkeypatch.setattr(number_format, "_known", {})
    choice = number_format.choose(CNN)
    assert choice.float32_step > 0 and choice.bfloat16_step > 0
    assert choice == number_format.decide(choice.float32_step, choice.bfloat16_step)


@pytest.mark.slow
@pytest.mark.alone  # it times both formats: beside the other tests, a fresh clone's suite once timed 2.2x as 1.0x
@pytest.mark.skipif(not cpu_threads.has_bfloat16_units(), reason="needs a CPU listing bfloat16 units, to hide them")
def test_with_the_bfloat16_units_unused_the_measurement_chooses_float32():
    """``ONEDNN_MAX_CPU_ISA=AVX512_CORE`` keeps oneDNN to AVX-512 without its bfloat16 instructions (and AMX)
    while the CPU still lists them: a computer whose flags promise what its bfloat16 does not keep. Here the
    CNN preset's step then took 2.2x to 2.3x float32's time in bfloat16 (README), far past the 1.05x margin.
    (With AVX-512 BF16 but AMX hidden, ``AVX512_CORE_BF16``, bfloat16 took 0.96x to 1.43x float32's time:
    too close to test.)"""
    script = (
        "import json; from mnist_core import number_format; from mnist_core.config import PRESETS; "
        "print(json.dumps(vars(number_format.choose(PRESETS['cnn']))))"
    )
    env = {**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX512_CORE"}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=PROJECT_DIR, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr
    choice = json.loads(result.stdout.strip().splitlines()[-1])
    assert choice["precision"] == "float32" and choice["bfloat16_step"] > choice["float32_step"]
    assert re.fullmatch(r"float32: bfloat16 was \d\.\dx slower on this computer", choice["reason"])


def _rates(bfloat16_step: list[float] | None = None) -> Rates:
    step = [1e-4, 0.0, 3e-6, 3e-6, 3.2e-9, 7.6e-11, 3.6e-11, 3.4e-9, 2e-8]
    evaluation = [4.6e-3, 5.3e-6, 1.8e-11, 7.4e-11, 2.4e-9]
    return Rates(
        "test",
        0.0,
        {"float32": step, "bfloat16": bfloat16_step or step},
        {p: evaluation for p in ("float32", "bfloat16")},
        [0.3, 0.1],
        1e-4,
    )

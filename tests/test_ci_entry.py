"""CI's entry point, `.ci/run`: it sets CI=true itself, so a missing browser fails the build wherever it runs."""

import os
import subprocess
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def test_ci_run_sets_ci_true_even_when_its_caller_does_not(tmp_path):
    # A stand-in `make` first on PATH records what `make test` would have been given.
    fake_make = tmp_path / "make"
    fake_make.write_text('#!/usr/bin/env bash\necho "CI=${CI:-unset} $*"\n')
    fake_make.chmod(0o755)
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    env["PATH"] = f"{tmp_path}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run(
        [str(PROJECT_DIR / ".ci" / "run")], env=env, capture_output=True, text=True, check=True, timeout=30
    )
    assert result.stdout.strip() == "CI=true test"

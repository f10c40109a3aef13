"""Every test runs against a throw-away run registry, never the project's runs/."""

import os
import tempfile

os.environ["MNIST_STUDIO_HOME"] = tempfile.mkdtemp(prefix="mnist-studio-tests-")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

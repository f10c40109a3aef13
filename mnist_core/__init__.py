"""MNIST Studio's engine: data, config, models, training, drawings' preprocessing, inference and evaluation.

Importing this package is cheap: TensorFlow is imported only by the modules
that build, train or run models (``models``, ``trainer``, ``inference``), so
the CLI answers bad input and the app starts without waiting for it.
This package never imports streamlit, the class server (``class_server``) or the lab (``lab``).
"""

import os

from mnist_core.cpu_threads import size_for_this_process

# TensorFlow's C++ start-up chatter means nothing to a student: keep warnings and errors only.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
size_for_this_process()

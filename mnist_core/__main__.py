"""``python -m mnist_core`` is not a command: the engine has no command line of its own. Say where it went."""

import sys

print(
    "python -m mnist_core: the command line is in two parts now:\n"
    "  python -m class_server train|evaluate|runs|study   (runs, recorded where the app shows them)\n"
    "  python -m lab bench|cnn-search|quick-cnn-search|profile|default-model|model-card|close-margin  (the lab)",
    file=sys.stderr,
)
sys.exit(2)

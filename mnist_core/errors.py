"""Errors whose message is meant for the user, not for a developer.

The CLI prints them as one line and exits with status 2; the pages show
them with ``st.error``. Anything else is a bug.
"""


class UserError(Exception):
    """Something the user can fix: a bad value, a missing or damaged file."""


class ConfigError(UserError):
    """A hyperparameter is out of range or unknown."""


class DataError(UserError):
    """The MNIST files are missing, truncated or altered."""


class RegistryError(UserError):
    """A run name is invalid or taken, a run is unknown, or the run store is unusable."""


class ModelFileError(UserError):
    """A model file is missing, damaged or not a Keras model."""


class DrawingLimitError(RegistryError):
    """A student has saved as many drawings as one student may keep."""

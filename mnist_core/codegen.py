"""The short Keras code that a TrainConfig describes, for students to copy into a notebook.

It is generated from the same config the trainer uses, and a test runs it
and checks that it builds the same architecture as the app.
"""

from __future__ import annotations

from mnist_core.architecture import INPUT_SHAPE, network
from mnist_core.config import OPTIMIZERS, TRAIN_SET_SIZE, TrainConfig


def keras_code(config: TrainConfig) -> str:
    config.validate()
    layers = [f"    keras.Input(shape={INPUT_SHAPE}),"] + [
        f"    layers.{layer.keras_class}({_arguments(layer)})," for layer in network(config)
    ]

    optimizer = OPTIMIZERS[config.optimizer]
    subset = ""
    validation, test = "(x_test, y_test)", ""
    if config.holds_out_validation:  # the last images, not the app's fixed permutation: the same idea, shorter
        subset = (
            f"x_val, y_val = x_train[-{config.validation}:], y_train[-{config.validation}:]  "
            "# choose settings on these, not on the test set\n"
            f"x_train, y_train = x_train[:-{config.validation}], y_train[:-{config.validation}]\n"
        )
        validation, test = "(x_val, y_val)", "model.evaluate(x_test, y_test)  # once, at the end\n"
    held = config.validation if config.holds_out_validation else 0
    if config.train_size < TRAIN_SET_SIZE - held:
        subset += f"x_train, y_train = x_train[:{config.train_size}], y_train[:{config.train_size}]\n"
    if config.schedule == "cosine":
        rate = (
            f"steps = {config.epochs} * -(-len(x_train) // {config.batch_size})\n"
            "learning_rate = keras.optimizers.schedules.CosineDecay(\n"
            f"    {config.learning_rate / 10:g}, decay_steps=steps - steps // 10,\n"
            f"    warmup_target={config.learning_rate:g}, warmup_steps=steps // 10)\n"
        )
        rate_arg = "learning_rate"
    else:
        rate, rate_arg = "", f"{config.learning_rate:g}"
    return (
        "import keras\n"
        "from keras import layers\n\n"
        "(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()\n"
        "x_train, x_test = x_train / 255.0, x_test / 255.0\n"
        f"{subset}\n"
        "model = keras.Sequential([\n" + "\n".join(layers) + "\n])\n"
        f"{rate}"
        f"model.compile(optimizer=keras.optimizers.{optimizer}(learning_rate={rate_arg}),\n"
        '              loss="sparse_categorical_crossentropy", metrics=["accuracy"])\n'
        f"model.fit(x_train, y_train, epochs={config.epochs}, batch_size={config.batch_size},\n"
        f"          validation_data={validation})\n"
        f"{test}"
    )


def _arguments(layer) -> str:
    """``16, 3, padding="same"``: as a person writes them (short numbers, double-quoted strings)."""

    def written(value) -> str:
        if isinstance(value, str):
            return f'"{value}"'
        return f"{value:g}" if isinstance(value, float) else repr(value)

    return ", ".join([written(a) for a in layer.args] + [f"{k}={written(v)}" for k, v in layer.options.items()])

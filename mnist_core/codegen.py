"""The short Keras code that a TrainConfig describes, for students to copy into a notebook.

It is generated from the same config the trainer uses, and a test runs it
and checks that it builds the same architecture as the app.
"""

from __future__ import annotations

from mnist_core.config import OPTIMIZERS, TRAIN_SET_SIZE, TrainConfig


def keras_code(config: TrainConfig) -> str:
    config.validate()
    layers = ["    keras.Input(shape=(28, 28)),"]
    if config.conv_filters:
        layers.append("    layers.Reshape((28, 28, 1)),")
        for filters in config.conv_filters:
            layers.append(f'    layers.Conv2D({filters}, 3, padding="same", activation="relu"),')
            layers.append("    layers.MaxPooling2D(2),")
    layers.append("    layers.Flatten(),")
    for units, rate in zip(config.hidden_units, config.dropouts):
        layers.append(f'    layers.Dense({units}, activation="relu"),')
        if rate > 0:
            layers.append(f"    layers.Dropout({rate:g}),")
    layers.append('    layers.Dense(10, activation="softmax"),')

    optimizer = OPTIMIZERS[config.optimizer]
    subset = ""
    validation, test = "(x_test, y_test)", ""
    if config.holds_out_validation:  # the last images, not the app's fixed permutation: the same idea, shorter
        subset = (f"x_val, y_val = x_train[-{config.validation}:], y_train[-{config.validation}:]  "
                  "# choose settings on these, not on the test set\n"
                  f"x_train, y_train = x_train[:-{config.validation}], y_train[:-{config.validation}]\n")
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

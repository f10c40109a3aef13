"""The network a TrainConfig describes, layer by layer: one list that the model builder
(``models.build_model``), the Train page's layer table (``config.layer_table``) and the Keras code
students copy (``codegen.keras_code``) all read, so the three cannot disagree.

Pure Python: listing and counting the layers needs no Keras.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from mnist_core.data import DIGITS
from mnist_core.geometry import SIZE

INPUT_SHAPE = (SIZE, SIZE)
MIXED_BFLOAT16 = "mixed_bfloat16"  # Keras' policy: computes in bfloat16, keeps the weights in float32


@dataclass(frozen=True)
class Layer:
    keras_class: str  # its class in ``keras.layers``
    args: tuple  # its positional arguments
    name: str  # every layer is named here, never by Keras' global counter (see models.build_model)
    label: str | None  # as the layer table shows it; None for plumbing the table leaves out
    output: tuple  # its output's shape, without the batch
    parameters: int
    options: dict = field(default_factory=dict)  # its keyword arguments besides ``name``


def network(config) -> list[Layer]:
    """A random shift of each training image (when ``shift`` is above 0; inactive when predicting), convolution
    blocks (3x3 'same' convolution, then 2x2 max-pool) for a CNN, then dense layers each followed by its
    dropout (when above 0), then a softmax over the 10 digits.

    With ``precision`` "bfloat16" the convolutions, pools and hidden layers compute in 16-bit brain floats,
    which some CPUs with bfloat16 units (AMX here) compute faster (a CNN preset epoch here: a fifth less
    time); "fastest" is listed as float32, the trainer settling it first (mnist_core/number_format.py). The
    image, its shift and the last layer stay float32, so the softmax, the loss and what the model answers
    keep float32's range and precision, as Keras' mixed-precision guide advises.
    """
    layers: list[Layer] = []
    if config.conv_filters or config.shift:
        layers.append(Layer("Reshape", ((SIZE, SIZE, 1),), "image", None, (SIZE, SIZE, 1), 0))
    if config.shift:
        factor = round(config.shift / SIZE, 4)  # Keras takes the shift as a share of the image's side
        layers.append(
            Layer(
                "RandomTranslation",
                (factor, factor),
                "shift",
                f"Shift up to {config.shift} px (training only)",
                (SIZE, SIZE, 1),
                0,
                {"fill_mode": "constant"},
            )
        )
    if config.conv_filters:
        side, channels = SIZE, 1
        for i, filters in enumerate(config.conv_filters, start=1):
            layers.append(
                Layer(
                    "Conv2D",
                    (filters, 3),
                    f"conv_{i}",
                    "Conv2D 3x3, relu",
                    (side, side, filters),
                    (9 * channels + 1) * filters,
                    {"padding": "same", "activation": "relu"},
                )
            )
            side //= 2
            layers.append(Layer("MaxPooling2D", (2,), f"pool_{i}", "MaxPooling2D 2x2", (side, side, filters), 0))
            channels = filters
        inputs = side * side * channels
    else:
        inputs = SIZE * SIZE
    layers.append(Layer("Flatten", (), "flatten", "Flatten", (inputs,), 0))
    for i, (units, rate) in enumerate(zip(config.hidden_units, config.dropouts, strict=True), start=1):
        layers.append(
            Layer(
                "Dense", (units,), f"dense_{i}", "Dense, relu", (units,), (inputs + 1) * units, {"activation": "relu"}
            )
        )
        if rate > 0:
            layers.append(Layer("Dropout", (rate,), f"dropout_{i}", f"Dropout {rate:g}", (units,), 0))
        inputs = units
    if config.precision == "bfloat16":
        layers = [
            layer
            if layer.name in ("image", "shift")
            else replace(layer, options={**layer.options, "dtype": MIXED_BFLOAT16})
            for layer in layers
        ]
    layers.append(
        Layer(
            "Dense",
            (len(DIGITS),),
            "digits",
            "Dense, softmax",
            (len(DIGITS),),
            (inputs + 1) * len(DIGITS),
            {"activation": "softmax"},
        )
    )
    return layers

"""Keras' Adam step as one fused TensorFlow kernel per weight: the trainer's one use of Keras' internals.

It reads the optimizer's private state (``_momentums``, ``_velocities``, ``_get_variable_index``), so a
Keras upgrade may break it: tests/test_streamlit_patches.py says so plainly, and tests/test_bench.py
checks it against Keras' Adam step for step.
"""

from __future__ import annotations

import keras
import tensorflow as tf


def fused_adam(optimizer, variables):
    """Keras' Adam step as one ``ResourceApplyAdam`` kernel per variable, or None for any other optimizer.

    The kernel computes Keras' formula, m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
    w -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps), on the optimizer's own moments,
    iteration count and learning rate (or schedule), so the optimizer's state is what Keras would
    have kept. Only float rounding differs (the kernel computes 1 - b in float32). Anything
    beyond plain Adam (AMSGrad, weight decay, clipping, EMA, loss scaling, gradient accumulation)
    goes through Keras instead.
    """
    plain = (
        type(optimizer) is keras.optimizers.Adam
        and not optimizer.amsgrad
        and optimizer.weight_decay is None
        and optimizer.clipnorm is None
        and optimizer.clipvalue is None
        and optimizer.global_clipnorm is None
        and not optimizer.use_ema
        and not optimizer.gradient_accumulation_steps
        and optimizer.loss_scale_factor is None
        and all(v.dtype == "float32" for v in variables)
    )
    if not plain:
        return None
    slots = [
        (optimizer._momentums[i], optimizer._velocities[i])
        for i in (optimizer._get_variable_index(v) for v in variables)
    ]
    beta_1, beta_2, epsilon = (
        tf.constant(value, tf.float32) for value in (optimizer.beta_1, optimizer.beta_2, optimizer.epsilon)
    )

    def apply_gradients(gradients):
        step = tf.cast(optimizer.iterations + 1, tf.float32)
        rate = tf.cast(optimizer.learning_rate, tf.float32)  # the schedule's value at this iteration
        beta_1_power, beta_2_power = tf.pow(beta_1, step), tf.pow(beta_2, step)
        for variable, (m, v), gradient in zip(variables, slots, gradients, strict=True):
            tf.raw_ops.ResourceApplyAdam(
                var=variable.handle,
                m=m.handle,
                v=v.handle,
                beta1_power=beta_1_power,
                beta2_power=beta_2_power,
                lr=rate,
                beta1=beta_1,
                beta2=beta_2,
                epsilon=epsilon,
                grad=gradient,
            )
        optimizer.iterations.assign_add(1)

    return apply_gradients

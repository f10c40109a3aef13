"""The app's uses of private APIs still exist in the pinned releases; an upgrade that removes one fails here, plainly.

Streamlit: ui/streamlit_patches.py. Keras: the optimizer state the fused Adam update reads (mnist_core/fused_adam.py).
"""

import keras


def test_streamlit_still_has_the_old_multipage_switch_use_app_navigation_turns_off():
    from streamlit.runtime.pages_manager import PagesManager

    assert isinstance(getattr(PagesManager, "uses_pages_directory", None), (bool, type(None))), (
        "Streamlit no longer has PagesManager.uses_pages_directory: ui/streamlit_patches.use_app_navigation "
        "needs another way to make a first deep link (/draw) open inside app.py's navigation."
    )


def test_streamlit_still_has_the_clean_up_keep_keras_state_turns_off():
    from streamlit.runtime.scriptrunner import script_runner

    assert callable(getattr(script_runner, "_clean_problem_modules", None)), (
        "Streamlit no longer has script_runner._clean_problem_modules: check whether it still clears Keras' "
        "session after every script run, and change ui/streamlit_patches.keep_keras_state to match."
    )
    import ui.resources  # noqa: F401  (importing it is what turns the clean-up off)

    first = keras.layers.Dense(1)
    script_runner._clean_problem_modules()
    assert keras.layers.Dense(1).name != first.name, "Streamlit's clean-up still resets Keras after each run"


def test_keras_adam_still_keeps_the_state_the_fused_update_reads():
    optimizer = keras.optimizers.Adam()
    variable = keras.Variable([1.0, 2.0])
    optimizer.build([variable])
    missing = [name for name in ("_momentums", "_velocities", "_get_variable_index") if not hasattr(optimizer, name)]
    assert not missing, (
        f"Keras' Adam no longer has {', '.join(missing)}: the fused Adam update in "
        "mnist_core/fused_adam.py reads them; fall back to optimizer.apply_gradients or adapt it."
    )
    index = optimizer._get_variable_index(variable)
    assert optimizer._momentums[index].shape == optimizer._velocities[index].shape == variable.shape

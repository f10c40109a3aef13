"""The app's uses of private APIs still exist in the pinned releases; an upgrade that removes one fails here, plainly.

Streamlit: ui/streamlit_patches.py (the multipage switch, the clean-up after each run, the XSRF cookie).
Keras: the optimizer state the fused Adam update reads (mnist_core/fused_adam.py).
"""

import keras


def test_streamlit_still_has_the_old_multipage_switch_use_app_navigation_turns_off():
    from streamlit.runtime.pages_manager import PagesManager

    # None until a first page run decides; only a missing attribute (the case this test exists for) fails
    assert "uses_pages_directory" in vars(PagesManager), (
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


def test_streamlit_still_keeps_a_browsers_xsrf_token_masked_in_the_cookie_user_id_reads():
    from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string
    from streamlit.web.server.starlette.starlette_server_config import XSRF_COOKIE_NAME

    from ui.streamlit_patches import XSRF_COOKIE, xsrf_token

    token = bytes(range(16))
    assert XSRF_COOKIE_NAME == XSRF_COOKIE and xsrf_token(generate_xsrf_token_string(token)) == token, (
        "Streamlit's XSRF cookie changed its name or form: ui/streamlit_patches.xsrf_token no longer finds the "
        "browser's token in it, so every page load would be a new student (ui/resources.user_id)."
    )


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

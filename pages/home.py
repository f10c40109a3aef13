"""Home: what the app teaches, and where to start."""

import streamlit as st

from ui.streamlit_patches import use_app_navigation

use_app_navigation()
st.title("MNIST Studio")
st.markdown(
    """
Watch a neural network learn to read handwritten digits.

- **Train** a network on 60,000 handwritten digits and watch its accuracy climb, epoch by epoch.
  Move the **dropout** slider and train again: see the gap between training and test accuracy
  open or close. That gap is *overfitting*.
- **Draw** a digit with the mouse or a finger and see what the network thinks it is, how sure it is,
  the 28x28 picture it was actually given, and what every layer inside the network makes of it.
- **Evaluate** a model: click a cell of its confusion matrix to see the images it mixes up,
  and what its first layer has learned.
- **Our digits**: teach a model with the class's own drawings and see what it learns and forgets.
- **Class board**: everyone's runs on one chart, for the projector.
"""
)
left, middle, right = st.columns(3)
left.page_link("pages/train.py", label="Start training", icon=":material/monitoring:")
middle.page_link("pages/draw.py", label="Draw a digit", icon=":material/draw:")
right.page_link("pages/evaluate.py", label="See where it goes wrong", icon=":material/search:")
with st.expander("For teachers"):
    st.markdown(
        """
- On the Train page, **Copy lesson link** gives a link with your settings that shows only the controls
  you pick (only the dropout slider, for a dropout lesson). Students open it on laptops or tablets.
- **Show the code** under the Train button is the Keras code for the current settings, to copy into a notebook.
- Each student sees their own runs and everybody's finished ones. One run trains at a time; the others wait
  in a queue. Start the server with `MNIST_STUDIO_TEACHER_PASSCODE` set to stop or delete anyone's run.
- On Draw, **Save as label** collects the class's drawings; Evaluate scores models on them, and
  **Our digits** trains on them (from 20 drawings, a quarter kept aside to test on).
- Put the **Class board** on the projector: it shows each run as it finishes. **Run the dropout study**
  (Evaluate) fills it with the seed notebook's experiment; *Hide run names* is in its sidebar.
"""
    )
st.caption(
    "Data: the MNIST database of handwritten digits by Yann LeCun and Corinna Cortes, "
    "licensed CC BY-SA 3.0. Everything runs on this machine, offline."
)

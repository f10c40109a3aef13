"""The lab: the tools that measure and choose, which the app never runs. The bench (``python -m lab bench``:
speed against plain Keras, prediction, the app's start and a class's load through ``load/``), the CNN
search, the epoch profile, the default model's recipe and model card, the drawn and typeset digit sets
(their generators, and the fixtures they wrote to data/drawings/), the "not sure" margin's rule, and the
app server and Chromium that the load tools and the browser tests drive.

It builds on the engine and the class server; nothing in them imports it.
"""

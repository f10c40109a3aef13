"""The class server: what lets a class share one app. The run store (``registry``, one object over ``store``'s
SQLite file, with the class's saved drawings in ``drawing_store``, You vs model's answers in ``versus_answers``
and the leases that tell an interrupted run from a running one in ``lease``), the queue of runs and the
students' turns (``jobs``), where a run trains (``runners``: on this server, or on the lab's PCs through Ray in
``ray_runner``), a run's life from press to model (``runs``), the limits one student cannot pass
(``run_limit``, ``drawing_cap``), the class board's table (``board``), and ``python -m class_server`` for runs
from the terminal.

It builds on the engine (``mnist_core``) and never imports Streamlit: the pages reach it through ``ui/``.
"""

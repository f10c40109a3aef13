"""The classroom load test's parts; ``python -m lab.load.run_load`` (lab/load/run_load.py) runs them.

``stats``: every kind of failure and the running count of what happened; ``server``: the app server
under test, its memory and CPU sampled every second; ``pages``: the browser plumbing every session
shares; ``wire``: the page's websocket traffic; ``drawing``, ``training`` and ``misbehaving``: the
students; ``lesson``: the warm-up, the class arriving and the timed load; ``summary``: the summary,
its verdict and how it is printed."""

"""The app's measuring tools, each run as ``python -m lab.load.<tool>`` (the bench runs them in child
processes): ``cold_start`` (launch to the Draw page in Chromium), ``answer_latency`` (pen-up to answer)
and ``run_load`` (a class of students drawing and training at once, some misbehaving; its parts are in
``classroom``)."""

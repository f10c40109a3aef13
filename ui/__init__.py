"""What the pages share and show: widgets, charts and panels that call into mnist_core.

Not pages: app.py lists the pages in pages/, and they import from here. Each module is one part of a page.
"""

"""The playground: train a network in the browser and watch it learn, with the glass switched on.

``glassnet playground`` (or :func:`glassnet.playground.server.serve`) starts a local web server; each browser tab
that opens its page gets its own :class:`~glassnet.playground.session.Session`, which trains glassnet's own
:class:`~glassnet.Sequential` through the one training loop (:class:`~glassnet.training.Trainer`) and streams
what it reads from the model (heatmaps, weights, losses, gradient norms, findings) as JSON frames.

The rooms: ``data.py`` (TensorFlow Playground's data sets and input features, in NumPy), ``session.py`` (one
tab's run: the validated setup, the model, the frames; no web code), ``server.py`` (the ASGI app: the page over
HTTP, one websocket per tab) and ``static/`` (the page: HTML, CSS and plain ES modules, nothing fetched from the
network). Only ``server.py`` needs the ``playground`` extra (starlette, uvicorn, websockets).
"""

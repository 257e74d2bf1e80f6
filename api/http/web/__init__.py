"""The worker page at ``/``: server-rendered (Jinja2) from the same functions the JSON API answers with.

``form.py`` reads the page's query parameters into a :class:`~api.http.web.form.WorkerForm` and checks
them, ``page.py`` resolves the titles and skills typed, asks :mod:`api.http.routers.planning` for the gap,
the plans or the adjacent roles and keeps every error next to its field, ``timeline.py`` lays a plan out as
an SVG timeline, ``routes.py`` serves the page (``/``), its results alone (``/web/results``, which the
page's script swaps in) and the static files; ``templates/`` and ``static/`` hold the HTML, CSS and the
little plain JavaScript (no build step, nothing fetched from elsewhere).
"""

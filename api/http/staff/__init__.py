"""The HR page (``/hr``, issue 15) and the region page (``/region``, issue 16): server-rendered (Jinja2).

``pages.py`` serves both pages, the fragments that draw a kept cohort or portfolio, and the static files
(``/staff/static``); ``templates/`` holds the HTML (``layout.html`` extends the worker page's ``base.html``,
whose stylesheet it carries) and ``static/`` the few CSS rules of their own and the little plain JavaScript
that sends the forms to the JSON API.
"""

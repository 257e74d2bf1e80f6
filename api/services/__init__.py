"""The use cases of upskill, one function each, shared by the command line and the HTTP API.

Every function is keyword-only; those that touch the database take the session first (``db_session``) and
never commit (the CLI command or the HTTP request owns the transaction). Heavy objects (the competence graph,
the course and badge options, the loaded model) are passed in; :mod:`api.runtime` loads them once per process.
Modules: ``profiles`` (gap), ``plans``, ``roles``, ``catalogue`` (courses, badges, reference data),
``setup`` (ESCO import, defaults, stats), ``model`` (training and evaluation).
"""

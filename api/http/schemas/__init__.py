"""Request and response bodies of the HTTP API (Pydantic), apart from the ORM tables of ``data.models``.

Families follow one naming: ``XCreate`` (a request body), ``XRead`` (one resource as answered), ``XPage``
(a page of a list, with the total). Request models forbid unknown fields and bound every list and string.
"""

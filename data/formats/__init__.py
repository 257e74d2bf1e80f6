"""The file formats upskill reads and writes, one module per format, each validated the same way.

A reader turns a file into checked records (frozen dataclasses or core objects) and nothing else: no
database. Every row or object is validated by a Pydantic model (:mod:`data.formats.fields`); the first
problem becomes one :class:`recommender.errors.ImportFormatError` naming the file, the line and the column.
Bytes that are not UTF-8, a missing header column, malformed JSON and surplus values are located the same way
(:mod:`data.formats.reading`).

| module | format |
|---|---|
| ``courses`` | the documented course catalogue, CSV or JSON (``data/default/FORMATS.md``) |
| ``edx``, ``coursera``, ``udemy`` | the catalogue snapshots (each its own CSV) read as catalogue records |
| ``language`` | the language of a course text, for catalogues that do not state it |
| ``exchange_rates`` | the dated exchange-rate table ``currency,units_per_eur,date,source`` |
| ``curation`` | curated skill overrides and curated skill prerequisites |
| ``badges`` | microbadges, JSON |
| ``declared_skills`` | a worker's declared skills, ``skill,level`` |
| ``role_reference`` | related-occupation pairs, ``source_uri,related_uri`` |
| ``interactions`` | interactions ``user_id,item_id,timestamp[,weight]`` and features ``id,feature,value`` |
| ``region`` | the regional planner's workforce, demand and programmes, CSV or JSON |
"""

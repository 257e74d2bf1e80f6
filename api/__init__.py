"""Entry points: the FastAPI app and the ``upskill`` command line. Nothing imports this package."""

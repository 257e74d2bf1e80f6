"""Where upskill keeps its data unless configured, and the defaults the settings start from.

``api/settings.py`` reads the configuration (``UPSKILL_*``) and passes values down; the modules of ``data/``,
``training/`` and ``evaluation/`` take them as arguments and fall back on these defaults. Light on purpose
(no third-party import): the command line reads it before deciding what to load.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The folder holding ``pyproject.toml`` and the packages when upskill runs from its source checkout.
PROJECT_ROOT = Path(__file__).resolve().parents[1]

#: Inferred course-skill links under this confidence are kept (curators can confirm them) but not used for
#: planning. A link's confidence is the probability that it is right, calibrated on the tagging gold set's
#: 107 dev courses (``python -m evaluation.link_calibration``, ``data/default/link_calibration.json``). Out
#: of fold on dev, the links at 0.2 or more are right 47 % of the time and hold 82 % of the right links (551
#: of the 1,070 links the tagger keeps); at 0.15, 40 % and 89 %; at 0.3, 54 % and 66 %. 0.2 keeps about as
#: many links as the score threshold it replaces (0.05 on the extractor's score: 586 links, right 43 %, 80
#: % of the right ones), each a little more often right. Explicit and curated links have confidence 1.
#: ``UPSKILL_PLANNING_MIN_CONFIDENCE`` overrides it.
PLANNING_MIN_CONFIDENCE = 0.2


def default_data_dir() -> Path:
    """Where the database and model artefacts live unless configured: the project root when running from the
    source checkout (``make run``), else the user's data folder (``$XDG_DATA_HOME/upskill``, by default
    ``~/.local/share/upskill``). Never the current directory, so every command finds the same data."""
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return PROJECT_ROOT
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "upskill"


def default_database_url() -> str:
    """The default database: ``upskill.db`` in :func:`default_data_dir`."""
    return f"sqlite:///{default_data_dir() / 'upskill.db'}"


def absolute_database_url(url: str) -> str:
    """``url`` with a relative SQLite file path (``sqlite:///./x.db``) made absolute from the current
    directory, so that a command started elsewhere (or a process started in another directory) finds the
    same file; any other URL as it is."""
    prefix, _, path = url.partition(":///")
    if prefix.startswith("sqlite") and path and path != ":memory:" and not Path(path).is_absolute():
        return f"{prefix}:///{Path(path).resolve()}"
    return url


def environment_database_url() -> str:
    """``UPSKILL_DATABASE_URL`` when set, else :func:`default_database_url`.

    For the programs below ``api/`` (benchmarks, demo builders), which take no settings object; the
    ``upskill`` command and the server read the full settings (``api/settings.py``, ``.env`` included).
    """
    return os.environ.get("UPSKILL_DATABASE_URL") or default_database_url()

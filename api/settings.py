"""Where ``api/`` reads its settings: every module of ``api/`` imports them from here, so that moving the
settings object (``recommender/settings.py`` today) changes one import."""

from __future__ import annotations

from recommender.settings import Settings, get_settings

__all__ = ["Settings", "get_settings"]

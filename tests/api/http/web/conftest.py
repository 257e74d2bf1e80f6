"""Worker-page fixtures: the page on the tiny graph (``page_client``), and the real one in a browser.

The browser tests drive Debian's ``chromium`` through Playwright for Python (``make test`` installs the
browser with apt-get when it is missing and the user is root; Playwright never downloads one). They run
against ``upskill serve``'s app in a thread, on a free port, over a database prepared once per session from
the bundled data: the session's ESCO import (``esco_engine``) copied, then the default catalogue and badges.
Each test saves a screenshot under ``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.http.web import routes
from api.services.plans import load_plan_options
from recommender.graph import CompetenceGraph

ROOT = Path(__file__).resolve().parents[4]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("UPSKILL_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
SERVER_START_SECONDS = 600


@pytest.fixture
def page_client(client: TestClient, tiny_session: Session, tiny_graph: CompetenceGraph) -> TestClient:
    """The app on the tiny graph and its three courses (SQLite and PostgreSQL), the page planning on them."""
    loaded = routes.Loaded(tiny_graph, load_plan_options(db_session=tiny_session), None)
    client.app.dependency_overrides[routes.get_loaded] = lambda: loaded  # type: ignore[attr-defined]
    return client


# -- the browser tests ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def web_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite database with ESCO, the bundled catalogue and the badges (what `make run` imports first).

    ``UPSKILL_TEST_WEB_DATABASE`` names a prepared SQLite file to copy instead (one ``make run`` made), for
    quick runs while working on the page; the copy is what the tests write to.
    """
    path = tmp_path_factory.mktemp("web") / "web.db"
    prepared = os.environ.get("UPSKILL_TEST_WEB_DATABASE")
    if prepared:
        _copy_sqlite(Path(prepared), path)
        return f"sqlite:///{path}"
    esco_engine: Engine = request.getfixturevalue("esco_engine")
    _copy_sqlite(Path(str(esco_engine.url.database)), path)  # the session's ESCO import (read-only for tests)

    from data.badges import import_default_badges
    from data.catalogue import import_default_catalogue
    from data.db import make_engine, transaction

    engine = make_engine(f"sqlite:///{path}")
    with transaction(engine) as session:
        import_default_catalogue(db_session=session)
        import_default_badges(db_session=session)
    engine.dispose()
    return f"sqlite:///{path}"


def _copy_sqlite(source: Path, target: Path) -> None:
    """Copy a SQLite database whole, with SQLite's online backup (safe while it is open elsewhere)."""
    if not source.exists():
        raise FileNotFoundError(f"no SQLite database at {source}")
    reader, writer = sqlite3.connect(source), sqlite3.connect(target)
    try:
        with writer:
            reader.backup(writer)
    finally:
        reader.close()
        writer.close()


@pytest.fixture(scope="session")
def web_url(web_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of the app serving ``web_database`` (uvicorn in a thread; stopped at the end)."""
    import uvicorn

    from api.http.app import create_app
    from api.runtime import Runtime
    from api.settings import Settings

    folder = tmp_path_factory.mktemp("web-server")
    settings = Settings(
        database_url=web_database, artefact_dir=folder / "artefacts", cache_dir=folder / "cache"
    )
    port = _free_port()
    runtime = Runtime(settings)
    server = uvicorn.Server(
        uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="web-test-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the test server on {url} did not start")
        time.sleep(0.1)
    assert runtime.loaded("graph") and runtime.loaded("plan_options"), runtime.problems
    yield url
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright; skipped, saying why, where neither can be had."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright for Python is missing: `make test` installs the dev extras"
    )
    if not CHROMIUM.exists():
        pytest.skip(
            f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium when run as root with "
            "apt-get; elsewhere install it, or point UPSKILL_TEST_CHROMIUM at a Chromium"
        )
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, web_url: str) -> Iterator[Any]:
    """A fresh browser tab (desktop size) on the test server; a JavaScript error fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=web_url)
    context.set_default_timeout(30_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def screenshot(tab: Any, name: str, **options: Any) -> Path:
    """Save a screenshot of ``tab`` (or of ``options['element']``) as ``test-artifacts/NAME.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    element = options.pop("element", None)
    (element or tab).screenshot(path=str(path), **options)
    return path


def serious_accessibility_violations(tab: Any) -> list[dict[str, Any]]:
    """Run axe-core (vendored) on the page as it is: the violations of impact serious or critical."""
    tab.add_script_tag(path=str(AXE))
    violations: list[dict[str, Any]] = tab.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": " + n.failureSummary)}))"""
    )
    return [v for v in violations if v["impact"] in ("serious", "critical")]

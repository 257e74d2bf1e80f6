"""Benchmark: the worker page's first paint in headless Chromium, next to a static file, in one run.

Target (issue 14): first paint < 1 s on this machine with the demo data. Each address is loaded
``--repeat`` times, interleaved, each time in a fresh browser context (no cache): the empty form (what a
new visitor sees first), scenario 1's plan address (the server plans before it answers, so its paint
includes the planning) and the page's stylesheet as a baseline (a static file: what the server and browser
cost with no page work at all). The table shows the median and the worst of the time to the response's
last byte and to the first contentful paint (Navigation and Paint Timing, measured by the browser).

    .venv/bin/python -m evaluation.bench_web [--url http://127.0.0.1:8000] [--repeat 10]

Needs a server (``make run`` or ``upskill serve``) and Debian's chromium with Playwright for Python (the
dev extras); prints a table, writes bench-results/web.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("UPSKILL_TEST_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
KATRIN = (
    "/?current=diesel+engine+mechanic&target=automotive+battery+technician&budget=1500&currency=EUR"
    "&hours=6&start=2027-01-04&deadline=2027-10-03&lang=en&lang=de&mode=online&mode=blended&action=plan"
)
PAGES = {"empty form (/)": "/", "scenario 1 plan": KATRIN, "stylesheet (static baseline)": "/static/app.css"}
TARGET_MS = 1000.0
TIMINGS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  return {response_ms: nav.responseEnd, paint_ms: paint ? paint.startTime : null};
}"""


def measure(url: str, repeat: int) -> dict[str, dict[str, list[float]]]:
    """Load every page ``repeat`` times, interleaved, each in a fresh context; the browser's timings."""
    from playwright.sync_api import sync_playwright

    found: dict[str, dict[str, list[float]]] = {name: {"response_ms": [], "paint_ms": []} for name in PAGES}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for path in PAGES.values():  # one load each first: the server's first-request costs
            context = browser.new_context()
            context.new_page().goto(url + path, wait_until="load")
            context.close()
        for _ in range(repeat):
            for name, path in PAGES.items():
                context = browser.new_context()
                page = context.new_page()
                page.goto(url + path, wait_until="load")
                page.wait_for_timeout(50)  # the paint entry is queued after load
                timings = page.evaluate(TIMINGS)
                for key in ("response_ms", "paint_ms"):
                    if timings[key] is not None:
                        found[name][key].append(float(timings[key]))
                context.close()
        browser.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--out", type=Path, default=Path("bench-results/web.json"))
    args = parser.parse_args()
    found = measure(args.url.rstrip("/"), args.repeat)
    rows: list[dict[str, Any]] = []
    print(f"{'page':32} {'response p50':>13} {'max':>8} {'first paint p50':>16} {'max':>8}")
    for name, values in found.items():
        row: dict[str, Any] = {"page": name}
        for key in ("response_ms", "paint_ms"):
            series = values[key]
            row[key] = (
                {"p50": statistics.median(series), "max": max(series), "n": len(series)} if series else None
            )
        rows.append(row)
        response, paint = row["response_ms"], row["paint_ms"]
        print(
            f"{name:32} {response['p50']:>11.0f}ms {response['max']:>6.0f}ms"
            + (f" {paint['p50']:>14.0f}ms {paint['max']:>6.0f}ms" if paint else f" {'-':>16} {'-':>8}")
        )
    empty = found["empty form (/)"]["paint_ms"]
    verdict = max(empty) < TARGET_MS if empty else False
    print(
        f"target: first paint of the empty form < {TARGET_MS:.0f} ms on every load: "
        + ("met" if verdict else "NOT met")
    )
    load = os.getloadavg()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "url": args.url,
                "repeat": args.repeat,
                "rows": rows,
                "target_ms": TARGET_MS,
                "met": verdict,
                "load": load,
                "cores": os.cpu_count(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

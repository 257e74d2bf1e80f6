"""The model job's command line: the names its help lists are the evaluation package's."""

from __future__ import annotations

from api.cli import model as cli_model
from evaluation.datasets import DATASETS
from training.splits import PROTOCOLS


def test_help_lists_the_real_protocols_and_datasets() -> None:
    assert cli_model.PROTOCOL_NAMES == PROTOCOLS
    assert cli_model.DATASET_NAMES == DATASETS


def test_help_does_not_load_numpy_or_sqlalchemy() -> None:
    import subprocess
    import sys

    code = (
        "import sys; sys.argv = ['upskill', '--help']\n"
        "from api.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('numpy', 'sqlalchemy', 'scipy', 'sklearn') if m in sys.modules)\n"
        "print('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out, out

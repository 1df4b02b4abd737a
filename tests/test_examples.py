"""Every example in problems/ solves, renders and prints JSON without a traceback."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner
from conftest import EXAMPLES, SOLVED

from lstm_solver.cli import main


def test_there_are_examples():
    assert len(EXAMPLES) >= 7


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_has_comment_header(path):
    assert path.read_text().startswith("# ")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("options", [[], ["--full"], ["--exact"], ["--decimals", "2"]])
def test_example_renders(path, options):
    result = CliRunner().invoke(main, [str(path), *options])
    assert result.exit_code == 0, result.stderr or result.output
    assert "Results" in result.stdout or "Total = " in result.stdout
    assert "Cannot compute" not in result.stdout


@pytest.mark.parametrize("path", SOLVED, ids=lambda p: p.stem)
def test_example_json(path):
    result = CliRunner().invoke(main, [str(path), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["format"] == "lstm-solve/1"
    assert data["cell"] == yaml.safe_load(path.read_text())["cell"]
    rows = data["batch"] if "batch" in data else [data]  # a batch: one object per row
    for step in (s for row in rows for s in row["steps"]):
        assert set(step) >= {"t", "x", "values", "pre_activations", "given"}
        assert "h" in step["values"]
        assert "cannot_compute" not in step

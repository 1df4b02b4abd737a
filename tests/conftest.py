"""Shared fixtures: torch (required under CI=true), example paths, problem helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = ROOT / "problems"
EXAMPLES = sorted(PROBLEMS.glob("**/*.yaml"))
SOLVED = [p for p in EXAMPLES if "\ntask:" not in p.read_text()]  # not parameter counts


def _require(module: str, install: str = "pip install torch==2.13.0"):
    try:
        return __import__(module)
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{module} is required when CI=true ({install})")
        pytest.skip(f"{module} is not installed")


def require_program(name: str) -> str:
    """The path of a program the test needs: skipped where absent, but not under CI."""
    import shutil

    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is required when CI=true (.ci/run installs it)")
        pytest.skip(f"{name} is not installed")
    return path


@pytest.fixture(scope="session")
def torch():
    torch = _require("torch")
    torch.set_default_dtype(torch.float64)
    return torch


@pytest.fixture(scope="session")
def keras(torch):
    """Keras 3 on the PyTorch backend (no TensorFlow), computing in float64."""
    os.environ["KERAS_BACKEND"] = "torch"  # read at keras's first import
    keras = _require("keras", "pip install '.[test]'")
    if keras.config.backend() != "torch":
        pytest.fail(f"keras was imported with the {keras.config.backend()} backend before "
                    "KERAS_BACKEND=torch was set")
    keras.config.set_floatx("float64")
    return keras


def require(module: str):
    """A module of the test extra (nbclient, jsonschema, h5py...): skipped where absent,
    but not under CI."""
    return _require(module, "pip install '.[test]'")


def problem_text(data: dict) -> str:
    """A problem dict as the YAML a user would write."""
    return yaml.safe_dump(data, sort_keys=False)

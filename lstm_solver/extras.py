"""Optional dependencies: PyTorch, Keras and h5py are never needed to solve a problem,
only to read weights from (or write code for) those libraries."""

from __future__ import annotations

import importlib
from types import ModuleType

EXTRAS = {"torch": "torch", "keras": "keras", "h5py": "keras"}  # module -> extra


class MissingDependency(ImportError):
    """An optional library is not installed; the message names the extra to install."""


def need(module: str, what: str) -> ModuleType:
    """Import ``module`` (torch, keras, h5py) or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        extra = EXTRAS.get(module, module)
        raise MissingDependency(f"{what} needs {module}, which is not installed: "
                                f"pip install 'lstm-solve[{extra}]'") from None

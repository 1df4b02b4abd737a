"""Python values as a problem file holds them: a mapping built in Python (numpy
arrays, tuples, floats, tensors) becomes the plain data YAML would give.

A float becomes the shortest decimal that reads back as the same float (in its own
precision: a float32 weight 0.1 stays 0.1, not 0.10000000149011612), so that a
problem built from Python shows its numbers as a person would write them and
computes with exactly the floats it was given.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .errors import ProblemError


def shortest(x: Any) -> Any:
    """A number as an exact int, Decimal or Fraction; a finite float as its shortest
    decimal (in its own precision: numpy float16/float32 keep their short form)."""
    if isinstance(x, bool):
        return x
    if isinstance(x, (int, Decimal, Fraction)):
        return x
    if type(x).__module__ == "numpy":
        import numpy as np

        if isinstance(x, np.bool_):
            return bool(x)
        if isinstance(x, np.integer):
            return int(x)
        if isinstance(x, np.floating):
            if not np.isfinite(x):
                return float(x)  # refused later, with its key
            if x.dtype.itemsize > 8:  # long double: as float64 (all torch and keras hold)
                x = np.float64(x)
            return Decimal(str(x)) if x.dtype.itemsize < 8 else Decimal(repr(float(x)))
    if isinstance(x, float):
        return Decimal(repr(x)) if math.isfinite(x) else x
    return x


def plain(value: Any, file: str = "<mapping>", _seen: frozenset = frozenset()) -> Any:
    """``value`` with arrays and tensors as nested lists, tuples as lists and floats as
    exact decimals; anything else is left for the reader to judge (and name)."""
    if isinstance(value, (str, bool, int, Decimal, Fraction)) or value is None:
        return value
    if isinstance(value, (dict, list, tuple)):
        if id(value) in _seen:
            raise ProblemError("the mapping contains itself", file=file)
        seen = _seen | {id(value)}
        if isinstance(value, dict):
            return {plain(k, file, seen): plain(v, file, seen) for k, v in value.items()}
        return [plain(v, file, seen) for v in value]
    array = _as_numpy(value)
    if array is not None:
        if array.ndim == 0:
            return shortest(array[()])
        return [plain(row, file, _seen) for row in array]
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return plain(value.tolist(), file, _seen)  # text or objects: judged as lists of them
    return shortest(value)


def _as_numpy(value: Any):
    """A numpy array for an ndarray or a (CPU) tensor; None for anything else."""
    module = type(value).__module__ or ""
    if module == "numpy" and hasattr(value, "ndim"):
        if value.dtype.kind in "fiub":
            return value
        return None
    if module.startswith("torch") and hasattr(value, "detach"):
        tensor = value.detach().cpu()
        if str(tensor.dtype) == "torch.bfloat16":
            tensor = tensor.float()  # numpy has no bfloat16; every bfloat16 is a float32
        return tensor.numpy()
    return None

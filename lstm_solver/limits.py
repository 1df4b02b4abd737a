"""Every limit on what a problem file may ask, in one place (README: "Limits").

Each keeps a hostile or mistaken file from taking more than a few seconds or a
few hundred MB: a file beyond one is refused (exit code 2) with a message that
says where and which limit.
"""

from __future__ import annotations

import sys

# the file as text
MAX_FILE_BYTES = 10_000_000  # a 128×128 LSTM written one number a line is 2 MB
MAX_NODES = 1_000_000  # values (numbers, texts, lists, mappings), aliases counted each use
MAX_DEPTH = 50  # lists and mappings inside each other; a problem needs about 6
MAX_NUMBER_CHARS = 100  # characters in one number as written

# numbers: what float64 can carry (the solution is computed in float64)
FLOAT_MAX = sys.float_info.max  # about 1.8e308
FLOAT_MIN = sys.float_info.min  # about 2.2e-308: smaller non-zero numbers would be read as 0

# sizes
MAX_DIM = 4096  # rows or columns of one matrix
MAX_ENTRIES = 1_000_000  # entries of one matrix

# the work a solution takes
MAX_STEPS = 1000  # time steps × layers × directions
MAX_SHOWN_STEPS = 20  # the same, in a worked solution printed (not --format json, not sheets):
# the terminal takes 20-130 ms to lay out a step, and a file must be answered within 5 s
MAX_WORK = 50_000_000  # multiply-adds: steps × layers × directions × Σ gates rows × columns
MAX_LAYERS = 1000  # layers of a parameter count (task: count_parameters)
EXACT_MAX_WORK = 50_000  # multiply-adds beyond which --exact keeps no exact values


def work(units, steps: int) -> int:
    """Multiply-adds a solution takes: steps × Σ over layers and directions of
    gates × H × (H + X)."""
    return steps * sum(len(u.gates) * u.hidden_size * (u.hidden_size + (u.input_size or 0))
                       for u in units)

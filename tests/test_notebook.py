"""examples/notebook.ipynb, run by nbclient in a real ipykernel: it shows the rich display
(HTML with MathML, LaTeX, Markdown) and the numbers PyTorch computes."""

from __future__ import annotations

import ast
import os
import time

import numpy as np
from conftest import ROOT, require

NOTEBOOK = ROOT / "examples" / "notebook.ipynb"


def _cell(nb, tag: str):
    return next(c for c in nb.cells if tag in c.metadata.get("tags", []))


def _result(cell) -> dict:
    return next(o for o in cell.outputs if o.output_type == "execute_result")["data"]


def test_the_notebook_is_stored_without_outputs():
    nbformat = require("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in nb.cells if c.cell_type == "code")


def test_the_notebook_runs(torch, monkeypatch):
    nbformat, nbclient = require("nbformat"), require("nbclient")
    require("ipykernel")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the kernel imports this tree's lstm_solver
    nb = nbformat.read(NOTEBOOK, as_version=4)
    started = time.perf_counter()
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    seconds = time.perf_counter() - started
    print(f"notebook ran in {seconds:.1f} s")
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]

    for tag in ("seed-solution", "torch-solution"):  # the rich display, every mimetype
        data = _result(_cell(nb, tag))
        assert {"text/html", "text/latex", "text/markdown", "text/plain"} <= set(data)
        assert data["text/html"].startswith('<div class="lstm-solve">') and "<math" in \
            data["text/html"]
        assert r"\begin{alignat*}" in data["text/latex"]

    # Seed 001, question 2, from the question's numbers with torch
    t = torch.tensor
    W, b = t([[3.0, 4, 0, 5], [2, 6, 2, 5]]), t([1.0, 1])
    h0, c0, x = t([0.4165792, 0.32134238]), t([0.44354576, 1.99999732]), t([0.0, 2])
    f, i, o = t([0.33209835, 0.9014788]), t([0.99999057, 0.333263]), t([0.33333224, 0.99998962])
    h = o * torch.tanh(f * c0 + i * torch.tanh(W @ torch.cat([h0, x]) + b))
    shown = ast.literal_eval(_result(_cell(nb, "seed-h"))["text/plain"])
    np.testing.assert_allclose(shown, [h.numpy()], rtol=0, atol=1e-12)
    assert "0.9725" in _result(_cell(nb, "seed-solution"))["text/html"]

    # the notebook's nn.LSTM, made again here with the same seed, run by torch
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(input_size=3, hidden_size=2, dtype=torch.float64)
    with torch.no_grad():
        for weight in lstm.parameters():
            weight.copy_(weight.round(decimals=1))
        output, _ = lstm(t([[1.0, 0.0, -1.0], [0.5, 2.0, 0.0]], dtype=torch.float64))
    shown = ast.literal_eval(_result(_cell(nb, "torch-h"))["text/plain"])
    np.testing.assert_allclose(shown, output.numpy(), rtol=0, atol=1e-13)
    assert os.environ["PYTHONPATH"] == str(ROOT)

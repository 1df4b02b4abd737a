"""lstm-solve import: weight files (.pt, .npz, Keras .weights.h5) -> a problem file a
person reads -> solved, against the library that made the weights; hostile files."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import ROOT, require

from lstm_solver import load_problem, solve
from lstm_solver.cli import main

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def imported(tmp_path, *args: str):
    out = tmp_path / "problem.yaml"
    result = run("import", *args, "-o", str(out))
    assert result.exit_code == 0, result.output
    return load_problem(out), out.read_text(encoding="utf-8")


def test_pt_state_dict(torch, tmp_path):
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 2, num_layers=2, dtype=torch.float64)
    torch.save(lstm.state_dict(), tmp_path / "lstm.pt")
    x = [[1, 0, 2], [0.5, -1, 0.25], [0, 0, 1]]
    h0 = [[0.1, -0.2], [0.3, 0.4]]
    problem, text = imported(tmp_path, str(tmp_path / "lstm.pt"), "--x", str(x),
                             "--h0", str(h0), "--title", "Two layers")
    assert text.startswith("# Imported by lstm-solve from lstm.pt.")
    assert "      W_ih: [[" in text and "      b_hh: [" in text  # PyTorch's names
    assert "x: [[1,    0, 2],\n    [0.5, -1, 0.25],\n" in text  # a row a line, aligned
    assert problem.title == "Two layers" and problem.layers == 2
    with torch.no_grad():
        out, _ = lstm(torch.tensor(x, dtype=torch.float64),
                      (torch.tensor(h0, dtype=torch.float64), torch.zeros(2, 2)))
    np.testing.assert_allclose(solve(problem).values["h"], out.numpy(), rtol=0, atol=1e-13)


def test_pt_state_dict_with_proj_size(torch, tmp_path):
    """weight_hr_l0 (nn.LSTM's proj_size) becomes the problem's projection: {W}."""
    torch.manual_seed(1)
    lstm = torch.nn.LSTM(2, 3, proj_size=1, dtype=torch.float64)
    torch.save(lstm.state_dict(), tmp_path / "proj.pt")
    x, h0 = [[1, -1], [0.5, 2]], [[0.25]]
    problem, text = imported(tmp_path, str(tmp_path / "proj.pt"), "--x", str(x),
                             "--h0", str(h0))
    assert "projection:" in text and problem.units[0].proj_size == 1
    with torch.no_grad():
        out, _ = lstm(torch.tensor(x, dtype=torch.float64),
                      (torch.tensor(h0, dtype=torch.float64), torch.zeros(1, 3)))
    np.testing.assert_allclose(solve(problem).values["h"], out.numpy(), rtol=0, atol=1e-13)


def test_pt_checkpoint_with_output_layer(torch, tmp_path):
    """A whole model's checkpoint: the GRU found under its prefix, the Linear on top."""
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = torch.nn.GRU(2, 3, bidirectional=True, dtype=torch.float64)
            self.fc = torch.nn.Linear(6, 2, dtype=torch.float64)

    torch.manual_seed(1)
    net = Net()
    torch.save({"epoch": 4, "model_state_dict": net.state_dict()}, tmp_path / "ckpt.pt")
    x = [[1, 2], [-1, 0.5]]
    problem, _ = imported(tmp_path, str(tmp_path / "ckpt.pt"), "--x", str(x),
                          "--output-layer", "model_state_dict.fc")
    with torch.no_grad():
        out, _ = net.rnn(torch.tensor(x, dtype=torch.float64))
        y = torch.softmax(net.fc(out), dim=-1)
    values = solve(problem).values
    np.testing.assert_allclose(values["h"], out.numpy(), rtol=0, atol=1e-13)
    np.testing.assert_allclose(values["y"], y.numpy(), rtol=0, atol=1e-13)


def test_npz_torch_names(torch, tmp_path):
    torch.manual_seed(2)
    rnn = torch.nn.RNN(2, 3, nonlinearity="relu", dtype=torch.float64)
    np.savez(tmp_path / "rnn.npz", **{k: v.numpy() for k, v in rnn.state_dict().items()})
    problem, text = imported(tmp_path, str(tmp_path / "rnn.npz"), "--x", "[[1, 2], [3, -4]]",
                             "--activation", "relu")
    assert "activation: relu" in text
    with torch.no_grad():
        out, _ = rnn(torch.tensor([[1.0, 2], [3, -4]], dtype=torch.float64))
    np.testing.assert_allclose(solve(problem).values["h"], out.numpy(), rtol=0, atol=1e-13)


def test_npz_keras_names(keras, tmp_path):
    keras.utils.set_random_seed(3)
    layer = keras.layers.LSTM(2, return_sequences=True, bias_initializer="random_normal")
    x = np.array([[[0.5, -1, 2], [1, 0, 0]]])
    y = keras.ops.convert_to_numpy(layer(x))[0]
    kernel, recurrent, bias = layer.get_weights()
    np.savez(tmp_path / "lstm.npz", kernel=kernel, recurrent_kernel=recurrent, bias=bias)
    problem, text = imported(tmp_path, str(tmp_path / "lstm.npz"), "--x",
                             "[[0.5, -1, 2], [1, 0, 0]]")
    assert "orientation: row" in text and "Keras's gate blocks (i, f, c, o)" in text
    np.testing.assert_allclose(solve(problem).values["h"], y, rtol=0, atol=1e-13)


def test_keras_weights_h5(keras, tmp_path):
    require("h5py")
    L = keras.layers
    keras.utils.set_random_seed(4)
    model = keras.Sequential([keras.Input((None, 2)),
                              L.Bidirectional(L.GRU(2, return_sequences=True,
                                                    bias_initializer="random_normal")),
                              L.Bidirectional(L.GRU(3, return_sequences=True,
                                                    bias_initializer="random_normal")),
                              L.Dense(2, activation="softmax", name="head")])
    x = np.array([[[1.0, -0.5], [0.25, 2.0], [0.0, 1.0]]])
    y = keras.ops.convert_to_numpy(model(x))[0]
    path = tmp_path / "model.weights.h5"
    model.save_weights(path)
    names = [layer.name for layer in model.layers]  # their own names; the file's differ
    result = run("import", str(path), "--x", "[[1.0, -0.5], [0.25, 2.0], [0.0, 1.0]]")
    assert result.exit_code == 2 and "name them bottom first (--layer NAME" in result.output
    problem, _ = imported(tmp_path, str(path), "--x", "[[1.0, -0.5], [0.25, 2.0], [0.0, 1.0]]",
                          "--layer", names[0], "--layer", names[1], "--output-layer", "head")
    assert problem.bidirectional and problem.layers == 2
    # Dense's matmul runs in float32 in Keras 3.15 (keras-team/keras#23223)
    np.testing.assert_allclose(solve(problem).values["y"], y, rtol=0, atol=2e-6)


def _evil_pickle(marker) -> bytes:
    class Evil:
        def __reduce__(self):
            return (exec, (f"open({str(marker)!r}, 'w').write('ran')",))

    return pickle.dumps({"weight_ih_l0": Evil()})


def test_a_pickle_never_runs_code(torch, tmp_path):
    marker = tmp_path / "marker"
    payload = _evil_pickle(marker)
    pickle.loads(payload)  # the payload is real: plain unpickling runs it
    assert marker.exists()
    marker.unlink()
    raw = tmp_path / "raw.pt"  # a bare pickle
    raw.write_bytes(payload)
    zipped = tmp_path / "zipped.pt"  # torch.save's zip format around the same pickle
    torch.save({"w": torch.zeros(2)}, zipped)
    with zipfile.ZipFile(zipped) as z:
        members = {n: z.read(n) for n in z.namelist()}
    with zipfile.ZipFile(zipped, "w") as z:
        for name, data in members.items():
            z.writestr(name, payload if name.endswith("data.pkl") else data)
    for path in (raw, zipped):
        result = run("import", str(path), "--x", "[1, 2]")
        assert result.exit_code == 2, result.output
        assert "error:" in result.output and "Traceback" not in result.output
        assert "weights_only" in result.output or "cannot be read" in result.output
        assert not marker.exists()
    whole = tmp_path / "whole.pt"  # a pickled module, not a state_dict: refused, explained
    torch.save(torch.nn.GRU(2, 2), whole)
    result = run("import", str(whole), "--x", "[1, 2]")
    assert result.exit_code == 2
    assert "holds Python objects (torch.nn.modules.rnn.GRU)" in result.output
    assert "torch.save(model.state_dict(), path)" in result.output


@pytest.mark.parametrize("name,content", [
    ("empty.pt", b""),
    ("noise.pt", bytes(range(256)) * 4),
    ("noise.npz", b"PK\x03\x04 not really a zip"),
    ("noise.h5", b"\x89HDF\r\n\x1a\n" + b"\0" * 64),
    ("text.npz", b"weight_ih_l0: [1, 2]"),
])
def test_hostile_files(torch, tmp_path, name, content):
    require("h5py")
    path = tmp_path / name
    path.write_bytes(content)
    result = run("import", str(path), "--x", "[1, 2]")
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"error: {path}: ") and "Traceback" not in result.output


def test_hostile_arrays(tmp_path):
    def npz(**arrays):
        path = tmp_path / f"w{len(list(tmp_path.iterdir()))}.npz"
        np.savez(path, **arrays)
        return str(path)

    cases = {
        "Object arrays cannot be loaded when allow_pickle=False": npz(
            weight_ih_l0=np.array([{"a": 1}], dtype=object)),
        "weight_ih_l0: holds <U3, not numbers": npz(weight_ih_l0=np.array(["abc"])),
        "holds w, v: expected PyTorch's names": npz(w=np.ones(2), v=np.ones(2)),
        "misses weight_hh_l0": npz(weight_ih_l0=np.ones((4, 2))),
        "whole number of blocks": npz(weight_ih_l0=np.ones((5, 2)), weight_hh_l0=np.ones((5, 2))),
        "expected 4 (LSTM), 3 (GRU) or 1 (RNN)": npz(weight_ih_l0=np.ones((4, 2)),
                                                     weight_hh_l0=np.ones((4, 2))),
        "bias_ih_l0: has no bias_hh_l0 to go with it": npz(
            weight_ih_l0=np.ones((2, 2)), weight_hh_l0=np.ones((2, 2)), bias_ih_l0=np.ones(2)),
        "expected a matrix": npz(weight_ih_l0=np.ones(2), weight_hh_l0=np.ones((2, 2))),
        "reads 5 inputs, but the layer below hands on 2": npz(
            weight_ih_l0=np.ones((2, 2)), weight_hh_l0=np.ones((2, 2)),
            weight_ih_l1=np.ones((2, 5)), weight_hh_l1=np.ones((2, 2))),
        "several recurrent networks": npz(**{"a.weight_ih": np.ones((2, 2)),
                                             "a.weight_hh": np.ones((2, 2)),
                                             "b.weight_ih": np.ones((2, 2)),
                                             "b.weight_hh": np.ones((2, 2))}),
    }
    for expected, path in cases.items():
        result = run("import", path, "--x", "[1, 2]", "--force")
        assert result.exit_code == 2, (expected, result.output)
        assert expected in result.output and "Traceback" not in result.output, result.output


@pytest.mark.parametrize("x,expected", [
    ("[[1, 2], [3]]", "x[1]: has 1 entries but x_t needs 2"),
    ("{a: 1}", "x: expected a list of numbers, found a mapping"),
    ("[1, .nan]", "x[1]: expected a finite number"),
    ("[1, 2", "YAML syntax error"),
    ("[" * 50 + "]" * 50, "error: "),
    ("!!python/object:os.system [1]", "not allowed"),
])
def test_hostile_inputs(torch, tmp_path, x, expected):
    torch.save(torch.nn.RNN(2, 2).state_dict(), tmp_path / "rnn.pt")
    result = run("import", str(tmp_path / "rnn.pt"), "--x", x)
    assert result.exit_code == 2, result.output
    assert expected in result.output and "Traceback" not in result.output, result.output


@pytest.mark.parametrize("option,value,expected", [
    ("--h0", "[1, 2, 3]", "initial.h: has 3 entries but the hidden size of the gates has 2"),
    ("--h0", "{h: 1}", "initial.h: expected a list of numbers, found a mapping"),
    ("--c0", "[1, 2]", "--c0 is an LSTM's cell state; an RNN has only h0"),
    ("--prefix", "nothing", "prefix: no recurrent weights under 'nothing'"),
    ("--output-layer", "fc", "--output-layer: no output layer 'fc'"),
    ("--cell", "lstm", "it is an RNN, not an LSTM"),
])
def test_hostile_options(torch, tmp_path, option, value, expected):
    torch.save(torch.nn.RNN(2, 2).state_dict(), tmp_path / "rnn.pt")
    result = run("import", str(tmp_path / "rnn.pt"), "--x", "[1, 2]", option, value)
    assert result.exit_code == 2, result.output
    assert expected in result.output and "Traceback" not in result.output, result.output


def test_output_is_never_overwritten(torch, tmp_path):
    torch.save(torch.nn.RNN(2, 2).state_dict(), tmp_path / "rnn.pt")
    out = tmp_path / "mine.yaml"
    out.write_text("my own problem\n")
    result = run("import", str(tmp_path / "rnn.pt"), "--x", "[1, 2]", "-o", str(out))
    assert result.exit_code == 2 and "exists; use --force" in result.output
    assert out.read_text() == "my own problem\n"


def test_a_missing_extra_is_named(torch, tmp_path, monkeypatch):
    import importlib

    torch.save(torch.nn.RNN(2, 2).state_dict(), tmp_path / "rnn.pt")
    (tmp_path / "m.weights.h5").write_bytes(b"")
    real = importlib.import_module

    def without(name, *args):
        if name in ("torch", "h5py"):
            raise ImportError(f"No module named {name!r}")
        return real(name, *args)

    monkeypatch.setattr("lstm_solver.extras.importlib.import_module", without)
    result = run("import", str(tmp_path / "rnn.pt"), "--x", "[1, 2]")
    assert result.exit_code == 1
    assert result.output == ("error: reading a .pt file needs torch, which is not installed: "
                             "pip install 'lstm-solve[torch]'\n")
    result = run("import", str(tmp_path / "m.weights.h5"), "--x", "[1, 2]")
    assert "pip install 'lstm-solve[keras]'" in result.output and result.exit_code == 1


def test_solving_never_imports_torch_or_keras():
    code = ("import sys; from lstm_solver import solve; "
            "s = solve('problems/gru_bidirectional.yaml'); s._repr_mimebundle_(); "
            "print(sorted(m for m in ('torch', 'keras', 'h5py') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"

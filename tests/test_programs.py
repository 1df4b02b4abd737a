"""--format pytorch: the script is run (python, torch) and what it prints with --json is
compared with the solver's JSON; what PyTorch cannot express is refused, explained."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from cases import LAYOUTS, random_case
from click.testing import CliRunner
from conftest import EXAMPLES, problem_text

from lstm_solver import Problem, load_problem, parse_problem, solve
from lstm_solver.cli import main
from lstm_solver.generate import Spec, generate
from lstm_solver.problem import CountProblem
from lstm_solver.render.json import to_dict
from lstm_solver.render.programs.pytorch import render


def run_script(text: str, tmp_path, *args: str) -> str:
    path = tmp_path / "check.py"
    path.write_text(text, encoding="utf-8")
    out = subprocess.run([sys.executable, str(path), *args], capture_output=True, text=True,
                         timeout=300, env={**os.environ, "PYTHONPATH": ""})
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def compare(solutions, printed: list[dict]) -> int:
    """Every value the script printed equals the solver's (and nothing is left out)."""
    compared = 0
    assert len(printed) == len(solutions)
    for solution, got in zip(solutions, printed, strict=True):
        if isinstance(solution.problem, CountProblem):
            continue
        want = to_dict(solution)
        steps = [s for s in got["steps"] if s["direction"] != "both"]
        both = [s for s in got["steps"] if s["direction"] == "both"]
        key = lambda s: (s.get("layer", 1), s.get("direction", "forward"), s["t"])  # noqa: E731
        assert len(steps) == len(want["steps"])
        for mine, ref in zip(sorted(steps, key=key), sorted(want["steps"], key=key),
                             strict=True):
            assert mine["t"] == ref["t"] and set(mine["values"]) == set(ref["values"])
            for name, value in ref["values"].items():
                np.testing.assert_allclose(mine["values"][name], value, rtol=0, atol=1e-12)
                compared += 1
        for mine, ref in zip(both, want.get("outputs", []), strict=True):
            for name in ("h", "y"):
                if name in ref:
                    np.testing.assert_allclose(mine["values"][name], ref[name], rtol=0,
                                               atol=1e-12)
                    compared += 1
    return compared


def exact_carry(problem):
    """PyTorch carries every value exactly (a ``carry: rounded`` script says so)."""
    if isinstance(problem, CountProblem):
        return problem
    return replace(problem, rounding=replace(problem.rounding, carry="exact"))


def exportable(path) -> bool:
    """A PyTorch network: no given values, none of the LSTM variants PyTorch lacks (issue
    17; the script refuses them; the projection is nn.LSTM's proj_size), no rounding of h
    alone, no learned initial state."""
    problem = load_problem(path)
    if isinstance(problem, CountProblem):
        return not problem.lstm and problem.initial_state == "zeros"
    lacks = replace(problem.lstm, projection=False)
    return not problem.given and not lacks and not problem.rounding.only


def rows(problem) -> list:
    """A batch's rows, each as a problem of its own (the script has a section each)."""
    if isinstance(problem, CountProblem) or not problem.batch:
        return [problem]
    return [problem.row(k) for k in range(len(problem.batch))]


def test_examples(torch, tmp_path):
    """Every example a PyTorch network can be, in one script: values equal, and the
    parameter counts are PyTorch's own."""
    solutions = [solve(exact_carry(row)) for p in EXAMPLES if exportable(p)
                 for row in rows(load_problem(p))]
    assert len(solutions) >= 10
    printed = json.loads(run_script(render(solutions), tmp_path, "--json"))
    assert compare(solutions, printed) > 100
    for solution, got in zip(solutions, printed, strict=True):
        p = solution.problem
        if isinstance(p, CountProblem):  # PyTorch keeps two biases where one is counted
            units = p.layers * (2 if p.bidirectional else 1)
            gates = {"lstm": 4, "gru": 3, "rnn": 1}[p.cell]
            extra = units * gates * p.hidden_size if p.bias == "true" else 0
            assert got["count"] == solution.total + extra, p.file


def _variants() -> list[str]:
    texts = []
    for cell, options in (("gru", {"reset": "before"}), ("gru", {"reset": "after"}),
                          ("gru", {"z_multiplies": "candidate", "reset": "after"}),
                          ("gru", {"z_multiplies": "candidate"}),
                          ("rnn", {"activation": "sigmoid"}), ("rnn", {"activation": "relu"})):
        for layout, orientation in (("split", "column"), ("concat", "row")):
            spec = Spec(cell=cell, hidden=2, inputs=3, steps=2, layout=layout,
                        orientation=orientation, numbers="decimal", options=options,
                        output=2 if orientation == "row" else 0)
            texts += generate(spec, 1, seed=len(texts))
    for k, (layout, stack, orientation) in enumerate(LAYOUTS):
        data, _ = random_case(k, layout, stack, orientation, two_biases=layout == "split")
        texts.append(problem_text(data))
    return texts


def test_variants(torch, tmp_path):
    """Every layout, orientation, stack and cell option; networks with layers, both
    directions and an embedding."""
    problems = [parse_problem(t, f"variant{k}") for k, t in enumerate(_variants())]
    torch.manual_seed(0)
    for module in (torch.nn.LSTM(2, 3, num_layers=2, bidirectional=True),
                   torch.nn.GRU(2, 2, num_layers=3), torch.nn.RNN(2, 2, bidirectional=True),
                   torch.nn.LSTM(2, 3, num_layers=2, bidirectional=True, proj_size=2)):
        problems.append(Problem.from_torch(module, torch.randn(3, 2)))
    problems.append(load_problem(
        next(p for p in EXAMPLES if p.name == "rnn_embedding_softmax_seed001.yaml")))
    solutions = [solve(p) for p in problems]
    printed = json.loads(run_script(render(solutions), tmp_path, "--json"))
    assert compare(solutions, printed) > 300


def test_cli_writes_a_script_that_prints_the_key(torch, tmp_path):
    example = next(p for p in EXAMPLES if p.name == "gru_seed000_update_candidate.yaml")
    out = tmp_path / "key.py"
    result = CliRunner().invoke(main, [str(example), "--format", "pytorch", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    compile(text, str(out), "exec")
    assert "GRUCellResetBefore" in text and "negated" in text
    table = run_script(text, tmp_path)
    h = solve(example).values["h"]
    assert f"t = 3: h = [{h[2][0]:.4f}, {h[2][1]:.4f}]" in table
    assert "t = 1: u = [" in table  # the problem's own name for the update gate


def test_a_projection_is_nn_lstms_proj_size(torch, tmp_path):
    """The projection example's script runs its cell step by step and nn.LSTM(proj_size)
    as a whole; both print the values PyTorch computes from the file's tensors, here
    recomputed by PyTorch's module in the test."""
    example = next(p for p in EXAMPLES if p.name == "projection_pytorch_lstm.yaml")
    problem = load_problem(example)
    text = render([solve(problem)])
    assert "ProjectedLSTMCell" in text and "proj_size=1" in text
    printed = json.loads(run_script(text, tmp_path, "--json"))
    h_script = printed[0]["steps"][0]["values"]["h"]
    unit = problem.units[0]
    module = torch.nn.LSTM(2, 2, proj_size=1, dtype=torch.float64)
    with torch.no_grad():
        gates = [unit.gates[s] for s in ("i", "f", "g", "o")]
        # the file's W multiplies h_{t-1} (PyTorch's W_hh), U multiplies x_t (W_ih)
        module.weight_ih_l0.copy_(torch.tensor(np.concatenate([g.U.array for g in gates])))
        module.weight_hh_l0.copy_(torch.tensor(np.concatenate([g.W.array for g in gates])))
        module.bias_ih_l0.copy_(torch.tensor(np.concatenate([g.b.array for g in gates])))
        module.bias_hh_l0.copy_(torch.tensor(np.concatenate([g.b_h.array for g in gates])))
        module.weight_hr_l0.copy_(torch.tensor(unit.projection.array))
        x = torch.tensor(np.array([v.array for v in problem.inputs]))
        h0 = torch.tensor(unit.initial["h"].array)[None]
        c0 = torch.tensor(unit.initial["c"].array)[None]
        out, _ = module(x, (h0, c0))
    np.testing.assert_allclose(h_script, out[0].numpy(), rtol=0, atol=1e-12)


def test_refused_with_a_reason():
    example = next(p for p in EXAMPLES if p.name == "seed001_q2_given_gates.yaml")
    result = CliRunner().invoke(main, [str(example), "--format", "pytorch", "--questions"])
    assert result.exit_code == 2 and "leave out --questions" in result.output
    result = CliRunner().invoke(main, [str(example), "--format", "pytorch"])
    assert result.exit_code == 2
    assert result.output.endswith("cannot be written as a PyTorch program: it gives f, i, o "
                                  "instead of the weights that compute them\n")
    partial = parse_problem("cell: lstm\ngates:\n  input: {W: [[1]], U: [[1]]}\nx: [1]\n")
    with pytest.raises(Exception, match="no parameters for the forget, candidate, output"):
        render([solve(partial)])

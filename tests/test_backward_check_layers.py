"""lstm-solve check with gradient answers for stacked and bidirectional networks: keyed by
layer and direction as the forward answers are, judged against torch.autograd (float64),
with `follows` recomputed through the layers, located errors for bad keys, the quizzes'
asked numbers and their Moodle and Canvas exports."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from conftest import PROBLEMS

from lstm_solver.answers import parse_answers
from lstm_solver.asked import asked_numbers
from lstm_solver.check import check
from lstm_solver.cli import main
from lstm_solver.errors import ProblemError
from lstm_solver.gradient_answers import is_gradient
from lstm_solver.problem import parse_problem
from lstm_solver.solver import solve

STACKED = PROBLEMS / "lstm_two_layers_backprop.yaml"
BIDI = PROBLEMS / "gru_bidirectional.yaml"
BIDI_LOSS = "loss: {kind: cross_entropy, targets: [1, 0, 1]}\nlearning_rate: 0.5\n"
GATES = {"lstm": ("input", "forget", "candidate", "output"),
         "gru": ("reset", "update", "candidate")}
SHORT = {"input": "i", "forget": "f", "candidate": "g", "output": "o", "reset": "r",
         "update": "z"}


def stacked(extra: str = ""):
    return parse_problem(STACKED.read_text() + extra, str(STACKED))


def bidi(extra: str = ""):
    return parse_problem(BIDI.read_text() + BIDI_LOSS + extra, str(BIDI))


# --- torch: the network from the problem file's numbers, written out, and autograd -----------


def torch_network(torch, data: dict, hooks: dict | None = None) -> dict:
    """Forward from the textbook equations (column vectors, split W h + U x + b), the loss,
    torch.autograd; ``hooks``: (layer, direction, t) -> a value put in place of ∂L/∂h
    there (what a student's slip carries back). Gradients by (layer, direction)."""
    cell = data["cell"]
    T = len(data["x"])
    xs = [torch.tensor(np.atleast_1d(x), dtype=torch.float64) for x in data["x"]]
    blocks = data.get("layers") or [data]
    directions = ("forward", "backward") if data.get("bidirectional") else ("forward",)
    leaves, record, inputs = {}, {}, xs
    for layer, block in enumerate(blocks, start=1):
        outs = {}
        for direction in directions:
            unit = block[direction] if data.get("bidirectional") else block
            P = {g: {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
                     for k, v in unit["gates"][g].items()} for g in GATES[cell]}
            H = len(P[GATES[cell][0]]["b"])
            init = unit.get("initial") or {}
            h = torch.tensor(init.get("h", [0.0] * H), dtype=torch.float64, requires_grad=True)
            c = torch.tensor(init.get("c", [0.0] * H), dtype=torch.float64, requires_grad=True)
            leaves[(layer, direction)] = {"params": P, "initial": {"h": h, "c": c}}

            def pre(g, h_in, x, after=None, P=P):
                q = P[g]
                if after is not None:
                    return after * (q["W"] @ h_in) + q["U"] @ x + q["b"]
                return q["W"] @ h_in + q["U"] @ x + q["b"]

            hs = [None] * T
            order = range(T) if direction == "forward" else range(T - 1, -1, -1)
            for k in order:
                x = inputs[k]
                if cell == "lstm":
                    zs = {s: pre(g, h, x) for g, s in zip(GATES[cell], "ifgo")}
                    gate = {s: (torch.tanh if s == "g" else torch.sigmoid)(z)
                            for s, z in zs.items()}
                    c = gate["f"] * c + gate["i"] * gate["g"]
                    h = gate["o"] * torch.tanh(c)
                else:
                    zs = {"r": pre("reset", h, x), "z": pre("update", h, x)}
                    r, z = torch.sigmoid(zs["r"]), torch.sigmoid(zs["z"])
                    zs["g"] = (pre("candidate", h, x, after=r) if data.get("reset") == "after"
                               else pre("candidate", r * h, x))
                    h = z * h + (1 - z) * torch.tanh(zs["g"])
                for v in [h, *zs.values()] + ([c] if cell == "lstm" else []):
                    v.retain_grad()
                t = k + 1
                if hooks and (layer, direction, t) in hooks:
                    value = torch.tensor(hooks[(layer, direction, t)], dtype=torch.float64)
                    h.register_hook(lambda g, value=value: value)
                record[(layer, direction, t)] = {"h": h, "c": c if cell == "lstm" else None,
                                                 "pre": zs}
                hs[k] = h
            outs[direction] = hs
        inputs = [torch.cat([outs[d][k] for d in directions]) for k in range(T)]
    loss_spec = data["loss"]
    out = data.get("output_layer")
    V = torch.tensor(out["V"], dtype=torch.float64, requires_grad=True) if out else None
    terms, zy = [], {}
    for k in range(T):
        target = loss_spec["targets"][k]
        if out:
            zy[k + 1] = V @ inputs[k]
            zy[k + 1].retain_grad()
            terms.append(-torch.log_softmax(zy[k + 1], 0)[target])
        else:
            terms.append(0.5 * ((inputs[k] - torch.tensor(target)) ** 2).sum())
    loss = sum(terms)
    loss.backward()

    def g(v):
        return None if v is None or v.grad is None else v.grad.numpy().copy()

    steps = {key: {"dh": g(r["h"]), "dc": g(r["c"]),
                   "d_pre": {s: g(z) for s, z in r["pre"].items()}}
             for key, r in record.items()}
    params = {unit: {gate: {k: g(v) for k, v in p.items()} for gate, p in u["params"].items()}
              for unit, u in leaves.items()}
    initial = {unit: {s: g(v) for s, v in u["initial"].items() if v.grad is not None}
               for unit, u in leaves.items()}
    return {"loss": float(loss.detach()), "steps": steps, "params": params,
            "initial": initial, "V": g(V), "dy": {t: g(z) for t, z in zy.items()}}


def r4(a, decimals: int = 4):
    return np.round(np.asarray(a, dtype=float), decimals).tolist()


def r3(a):
    """At the 3 decimals the two-layer question asks."""
    return r4(a, 3)


def verdicts(problem, text: str) -> dict:
    """(layer, direction, t, quantity, index) -> verdict of what the student wrote."""
    report = check(problem, parse_answers(text, problem, "answers.yaml"))
    return {(i.layer, i.direction, i.t, i.quantity, i.index): i.verdict
            for i in report.items if is_gradient(i.quantity) and i.answer is not None}


@pytest.fixture(scope="module")
def two(torch):
    return torch_network(torch, yaml.safe_load(STACKED.read_text()))


def full_answers(ref: dict, rate: float = 0.1) -> dict:
    """Every gradient of the 2-layer LSTM, from torch, rounded at the question's 3 decimals,
    keyed by layer (dh by step, the rest under steps:)."""
    data = yaml.safe_load(STACKED.read_text())
    layers = {}
    norm2 = 0.0
    for layer in (1, 2):
        block: dict = {"dh": {}, "steps": {}}
        for t in (1, 2):
            s = ref["steps"][(layer, "forward", t)]
            block["dh"][t] = r3(s["dh"])
            block["steps"][t] = {"dc": r3(s["dc"]),
                                 "d_pre": {g: r3(v) for g, v in s["d_pre"].items()}}
        P = ref["params"][(layer, "forward")]
        block["grad"] = {g: {k: r3(v) for k, v in p.items()} for g, p in P.items()}
        block["grad"]["initial"] = {s: r3(v) for s, v in ref["initial"][(layer, "forward")].items()}
        theta = data["layers"][layer - 1]["gates"]
        block["updated"] = {g: {k: r3(np.asarray(theta[g][k]) - rate * v) for k, v in p.items()}
                            for g, p in P.items()}
        norm2 += sum(float(np.sum(v ** 2)) for p in P.values() for v in p.values())
        layers[layer] = block
    return {"student": "Ada", "layers": layers, "loss": round(ref["loss"], 3),
            "norm": round(float(np.sqrt(norm2)), 3)}


# --- the verdicts ---------------------------------------------------------------------------


def test_two_layer_gradients_rounded_at_the_questions_decimals_are_correct(two):
    answers = full_answers(two)
    v = verdicts(stacked(), yaml.safe_dump(answers))
    assert set(v.values()) == {"correct"}
    layers = {k[0] for k in v}
    assert layers == {1, 2}
    quantities = {k[3] for k in v}
    assert {"dh", "dc", "d_pre.o", "d_pre.g", "grad.input.W", "grad.output.U",
            "grad.initial.h", "grad.initial.c", "updated.forget.b", "loss", "norm"} <= quantities
    # per layer: 2 steps × (dh, dc, 4 δ) × 2 entries; 4 gates × (W 4, U 4, b 2) for grad
    # and for updated; h₀, c₀ 2 each; then the loss and the norm
    assert len(v) == 2 * (2 * 6 * 2 + 40 + 4 + 40) + 2


def test_two_units_off_is_not_correct(two):
    answers = full_answers(two)
    w = answers["layers"][1]["grad"]["candidate"]["W"]
    w[0][1] = round(w[0][1] + 0.002, 3)
    answers["layers"][2]["dh"][1][0] = round(answers["layers"][2]["dh"][1][0] - 0.002, 3)
    answers["loss"] = round(answers["loss"] + 0.002, 3)
    v = verdicts(stacked(), yaml.safe_dump(answers))
    assert v[(1, "forward", 0, "grad.candidate.W", 1)] == "wrong"
    assert v[(2, "forward", 1, "dh", 0)] == "wrong"
    assert v[(2, "both", 0, "loss", 0)] == "wrong"
    assert v[(1, "forward", 0, "grad.candidate.W", 0)] == "correct"


def test_a_slip_in_layer_two_carried_into_layer_one_follows(torch, two):
    """Layer 2's ∂L/∂h₂ slipped; layer 1's ∂L/∂h₂ and ∂L/∂h₁ worked from it (torch with
    the slipped value hooked in place of layer 2's gradient): wrong, then follows."""
    slipped = np.array(two["steps"][(2, "forward", 2)]["dh"]) + np.array([3.0, -2.0])
    own = torch_network(torch, yaml.safe_load(STACKED.read_text()),
                        {(2, "forward", 2): slipped})
    true = two["steps"]
    text = yaml.safe_dump({"layers": {
        2: {"dh": {2: r3(slipped)}},
        1: {"dh": {2: r3(own["steps"][(1, "forward", 2)]["dh"]),
                   1: r3(own["steps"][(1, "forward", 1)]["dh"])},
            "steps": {2: {"dc": r3(own["steps"][(1, "forward", 2)]["dc"])}},
            "grad": {"candidate": {"b": r3(own["params"][(1, "forward")]["candidate"]["b"])}}}}})
    for t in (1, 2):  # the slip shows in layer 1: far from the true values
        assert np.abs(np.array(own["steps"][(1, "forward", t)]["dh"]) -
                      true[(1, "forward", t)]["dh"]).max() > 0.002
    v = verdicts(stacked(), text)
    assert {v[(2, "forward", 2, "dh", i)] for i in (0, 1)} == {"wrong"}
    for t in (1, 2):
        assert {v[(1, "forward", t, "dh", i)] for i in (0, 1)} == {"follows"}, t
    assert {v[(1, "forward", 2, "dc", i)] for i in (0, 1)} == {"follows"}
    assert {v[(1, "forward", 0, "grad.candidate.b", i)] for i in (0, 1)} == {"follows"}
    # the same numbers without the slip above: wrong (nothing to follow from)
    alone = yaml.safe_load(text)
    del alone["layers"][2]
    v = verdicts(stacked(), yaml.safe_dump(alone))
    assert {v[(1, "forward", t, "dh", i)] for t in (1, 2) for i in (0, 1)} == {"wrong"}


def test_what_is_asked_and_not_answered_is_missing(two):
    problem = stacked("ask: [dh, grad]\n")
    text = yaml.safe_dump({"layers": {2: {"dh": {2: r3(two["steps"][(2, "forward", 2)]["dh"])}}}})
    report = check(problem, parse_answers(text, problem, "a.yaml"))
    missing = {(i.layer, i.t, i.quantity) for i in report.items if i.verdict == "missing"}
    assert (2, 1, "dh") in missing and (1, 2, "dh") in missing and (1, 1, "dh") in missing
    assert (1, 0, "grad.input.W") in missing and (2, 0, "grad.output.b") in missing
    assert (2, 2, "dh") not in missing
    assert [i.verdict for i in report.items if (i.layer, i.t, i.quantity) == (2, 2, "dh")] \
        == ["correct", "correct"]
    assert report.out_of == 4 + 2 * 14  # dh at 2 steps in 2 layers; 12 params + h₀, c₀ each


def test_bidirectional_gru_gradients_by_direction(torch):
    data = yaml.safe_load(BIDI.read_text() + BIDI_LOSS)
    ref = torch_network(torch, data)
    blocks = {}
    for direction in ("forward", "backward"):
        steps = {t: {"dh": r4(ref["steps"][(1, direction, t)]["dh"]),
                     "d_pre": {"reset": r4(ref["steps"][(1, direction, t)]["d_pre"]["r"])}}
                 for t in (1, 2, 3)}
        P = ref["params"][(1, direction)]
        blocks[direction] = {"steps": steps, "grad": {
            "update": {k: r4(v) for k, v in P["update"].items()},
            "initial": {"h": r4(ref["initial"][(1, direction)]["h"])}}}
    text = yaml.safe_dump({**blocks, "dy": {t: r4(ref["dy"][t]) for t in (1, 2, 3)},
                           "grad": {"output_layer": {"V": r4(ref["V"])}},
                           "loss": round(ref["loss"], 4)})
    problem = bidi()
    v = verdicts(problem, text)
    assert set(v.values()) == {"correct"}
    assert {(k[0], k[1]) for k in v} == {(1, "forward"), (1, "backward"), (1, "both")}
    assert (1, "both", 2, "dy", 1) in v and (1, "both", 0, "grad.output_layer.V", 3) in v
    assert (1, "backward", 0, "grad.update.U", 0) in v
    # the same, with the parameters' gradients mirroring the file: grad: {backward: ...}
    mirrored = yaml.safe_load(text)
    mirrored["grad"]["backward"] = mirrored["backward"].pop("grad")
    assert verdicts(problem, yaml.safe_dump(mirrored)) == v


def test_labels_in_the_problems_notation_and_json(tmp_path, two):
    problem = tmp_path / "p.yaml"
    problem.write_text(STACKED.read_text() + "ask: [dh, grad, loss]\n")
    answers = tmp_path / "a.yaml"
    dh = r3(two["steps"][(2, "forward", 2)]["dh"])
    W = r3(two["params"][(1, "forward")]["input"]["W"])
    W[1][0] += 0.01
    answers.write_text(yaml.safe_dump({"layers": {2: {"dh": {2: dh}},
                                                  1: {"grad": {"input": {"W": W}}}},
                                       "loss": round(two["loss"], 3)}))
    result = CliRunner().invoke(main, ["check", str(problem), str(answers)])
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "∂L/∂W_i⁽¹⁾[3]" in out and "✗ wrong" in out
    assert "∂L/∂h⁽²⁾₁" in out  # missing, named with its layer
    assert "Gradients · layer 1: the parameters and the" in out
    assert "∂L/∂W_i = Σₜ δ_iₜ" in out  # how layer 1's goes
    data = json.loads(CliRunner().invoke(main, ["check", str(problem), str(answers),
                                                "--format", "json"]).stdout)
    items = data["students"][0]["items"]
    w = [i for i in items if i["quantity"] == "grad.input.W" and i["layer"] == 1]
    assert [i["verdict"] for i in w] == ["correct", "correct", "wrong", "correct"]
    assert w[2]["expected"] == pytest.approx(two["params"][(1, "forward")]["input"]["W"][1][0])
    loss = [i for i in items if i["quantity"] == "loss"]
    assert loss[0]["verdict"] == "correct" and "layer" not in loss[0]
    dh2 = [i for i in items if i["quantity"] == "dh" and i["layer"] == 2 and i["t"] == 2]
    assert [i["verdict"] for i in dh2] == ["correct", "correct"]


# --- bad keys: located --------------------------------------------------------------------


@pytest.mark.parametrize("text,fragment", [
    ("layers:\n  3:\n    dh: {1: [1, 2]}\n", "expected a layer from 1 to 2, found 3"),
    ("dh: {1: [1, 2]}\n", "the network has 2 layers: key the gradients by layer"),
    ("layers:\n  1:\n    dh: [1, 2]\n", "key the gradients by step"),
    ("layers:\n  1:\n    backward:\n      dh: {1: [1, 2]}\n", "'backward' is for a bidirectional"),
    ("layers:\n  1:\n    grad: {input: {V: [[1, 2]]}}\n",
     "unknown key 'V'; expected one of: U, W, b"),
    ("layers:\n  1:\n    grad: {hidden: {W: [[1]]}}\n", "no parameters called 'hidden'"),
    ("layers:\n  2:\n    d_pre: {1: {forgot: [1, 2]}}\n", "not a gate of this LSTM"),
    ("layers:\n  2:\n    dh: {7: [1, 2]}\n", "there is no step 7"),
    ("layers:\n  2:\n    dh: {2: [1, 2, 3]}\n", "has 3 entries but ∂L/∂h_2 has 2"),
    ("layers:\n  2:\n    loss: 0.2\n", "L is one number for the whole problem"),
    ("layers:\n  2:\n    steps: {1: {grad: {input: {b: [1, 2]}}}}\n", "sums over every step"),
    ("layers:\n  2:\n    dy: {1: [1, 2]}\n", "the problem has no output layer"),
    ("grad: {input: {b: [1, 2]}}\n", "key the gradients by layer"),
    ("grad: {layers: {2: {output: {b: [1]}}}}\n", "is 1 but the problem's is 2"),
    ("layers:\n  1:\n    dh: {2: [1, 2]}\n    steps: {2: {dh: [1, 2]}}\n", "given twice"),
    ("layers:\n  1:\n    grad: {layers: {2: {input: {b: [1, 2]}}}}\n",
     "layer 2 stands under layer 1"),
    ("layers:\n  1:\n    updated: {initial: {h: [1, 2]}}\n", "no parameters called 'initial'"),
])
def test_bad_keys_are_located(text, fragment):
    problem = stacked()
    with pytest.raises(ProblemError) as info:
        check(problem, parse_answers(text, problem, "a.yaml"))
    message = str(info.value)
    assert fragment in message and message.startswith("a.yaml:")


@pytest.mark.parametrize("text,fragment", [
    ("dh: {1: [1, 2]}\n", "the network is bidirectional: put 'dh' under 'forward:'"),
    ("forward:\n  dy: {1: [1, 2]}\n", "the output layer reads both directions"),
    ("forward:\n  grad: {output_layer: {V: [[1]]}}\n", "belongs to the whole network"),
    ("layers:\n  2:\n    forward:\n      dh: {1: [1, 2]}\n", "expected a layer from 1 to 1"),
    ("grad: {forward: {backward: {reset: {b: [1, 2]}}}}\n", "'backward' stands under 'forward'"),
])
def test_bad_keys_in_a_bidirectional_network(text, fragment):
    problem = bidi()
    with pytest.raises(ProblemError) as info:
        check(problem, parse_answers(text, problem, "a.yaml"))
    assert fragment in str(info.value) and str(info.value).startswith("a.yaml:")


def test_a_class_never_stops_at_a_bad_file(tmp_path, two):
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(full_answers(two)))
    bad = tmp_path / "bad.yaml"
    bad.write_text("layers:\n  3:\n    dh: {1: [1, 2]}\n")
    hostile = tmp_path / "hostile.yaml"
    hostile.write_text("layers:\n  1:\n    grad: {input: {W: " + "[" * 40 + "]" * 40 + "}}\n")
    problem = tmp_path / "p.yaml"  # every gradient asked, nothing of the forward pass
    problem.write_text(STACKED.read_text() + "ask: [dh, dc, d_pre, grad, loss, norm, updated]\n")
    result = CliRunner().invoke(main, ["check", str(problem), str(good), str(bad),
                                       str(hostile), "--format", "json"])
    students = {s["student"]: s for s in json.loads(result.stdout)["students"]}
    assert set(students) == {"Ada", "bad", "hostile"}
    assert students["Ada"]["all_correct"] is True and students["Ada"]["score"] == 1
    assert "layers[3]: expected a layer from 1 to 2" in students["bad"]["error"]
    assert students["hostile"]["error"].startswith(str(hostile) + ":3:")
    assert "layers[1].grad.input.W[0][0]: expected a number" in students["hostile"]["error"]


# --- the quizzes: asked numbers, Moodle and Canvas ---------------------------------------------


def test_asked_numbers_of_a_stacked_network_are_torchs(two):
    numbers = asked_numbers(solve(stacked("ask: [dh, grad, loss]\n")))
    by = {(n.layer, n.direction, n.t, n.short, n.index): n for n in numbers}
    assert by[(2, "forward", 1, "dh", 0)].label == "∂L/∂h₁[1] (layer 2)"
    assert by[(1, "forward", None, "grad.input.W", 2)].label == "∂L/∂W_i[3] (layer 1)"
    assert by[(2, "both", None, "loss", 0)].label == "L[1]"
    for (layer, direction, t, short, i), n in by.items():
        if short == "dh":
            assert n.value == pytest.approx(two["steps"][(layer, direction, t)]["dh"][i],
                                            abs=1e-12)
        elif short.startswith("grad.initial"):
            want = two["initial"][(layer, direction)][short.split(".")[2]]
            assert n.value == pytest.approx(np.ravel(want)[i], abs=1e-12)
        elif short.startswith("grad."):
            _, gate, key = short.split(".")
            want = two["params"][(layer, direction)][gate][key]
            assert n.value == pytest.approx(np.ravel(want)[i], abs=1e-12)
    assert len(numbers) == 2 * 2 * 2 + 2 * (40 + 4) + 1  # dh; each layer's grads; L
    assert len({n.label for n in numbers}) == len(numbers)  # every blank named once


def test_moodle_and_canvas_exports_of_a_bidirectional_networks_gradients(tmp_path):
    import io
    import zipfile

    from lxml import etree

    problem = tmp_path / "p.yaml"
    problem.write_text(BIDI.read_text() + BIDI_LOSS + "ask: [h, dh, grad]\n")
    numbers = asked_numbers(solve(bidi("ask: [h, dh, grad]\n")))
    labels = [n.label for n in numbers]
    assert "∂L/∂h₃[1] (forward)" in labels and "∂L/∂W_r[2] (backward)" in labels
    assert "∂L/∂V[1]" in labels and len(set(labels)) == len(labels)
    # ∂L/∂[h→; h←]ₜ is worked but not asked (as [h→; h←] is not): each direction's is
    assert not any(n.short == "dh" and n.direction == "both" for n in numbers)
    assert sum(n.short == "dh" for n in numbers) == 2 * 3 * 2
    report = check(bidi("ask: [dh]\n"), parse_answers("forward: {dh: {3: [0.3134, -0.3134]}}\n",
                                                      bidi("ask: [dh]\n"), "a.yaml"))
    assert report.out_of == 6 and report.marks == 1
    result = CliRunner().invoke(main, [str(problem), "--format", "moodle"])
    assert result.exit_code == 0, result.output
    root = etree.fromstring(result.stdout.encode())
    text = root.findtext("question/questiontext/text")
    assert text.count(":NUMERICAL:") == len(numbers)
    assert "∂L/∂W_r[2] (backward)" in text
    out = tmp_path / "q.zip"
    result = CliRunner().invoke(main, [str(problem), "--format", "qti", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as z:
        body = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))
    assert body.count("<item ") == len(numbers)
    assert "Backward pass, backward, step t = 1" in body  # the feedback names the direction


# --- fuzz: the new keys get odd values everywhere ----------------------------------------------

WEIRD = [None, 5, "abc", [], [[]], {}, {"a": 1}, [1, "x"], True, -1, 1.5, [[1, 2], [3]],
         "1 2\n3", "?", [None, None], [1e400, 1], ".nan", [[1, 2], [3, 4], [5, 6]],
         {"dh": {"dh": {"dh": 1}}}, {"layers": {"layers": {1: {}}}}, {2: {"dh": [1, 2]}},
         "dh" * 5000, 10**400, [[[[[[1]]]]]]]
LAYERED = {
    "layers": {1: {"dh": {1: [0.1, 0.2], 2: [0.1, 0.2]},
                   "steps": {2: {"dc": [0.1, 0.2], "d_pre": {"o": [0.1, 0.2]}}},
                   "grad": {"input": {"W": [[1, 2], [3, 4]], "b": [1, 2]},
                            "initial": {"h": [1, 2]}},
                   "updated": {"forget": {"U": [[1, 2], [3, 4]]}}},
               2: {"dh": {2: [0.1, 0.2]}, "d_values": {1: {"i": [0.1, 0.2]}}}},
    "grad": {"layers": {2: {"output": {"b": [1, 2]}}}},
    "loss": 0.1, "norm": 0.2,
}


def _paths(d, path=()):
    for k, v in d.items():
        yield path + (k,)
        if isinstance(v, dict):
            yield from _paths(v, path + (k,))


@pytest.mark.parametrize("path", list(_paths(LAYERED)), ids=lambda p: ".".join(map(str, p)))
def test_odd_values_anywhere_give_a_located_message(path):
    problem = stacked()
    for odd in WEIRD:
        data = copy.deepcopy(LAYERED)
        cur = data
        for key in path[:-1]:
            cur = cur[key]
        cur[path[-1]] = odd
        text = yaml.safe_dump(data) if not isinstance(odd, int) or abs(odd) < 10**300 else \
            json.dumps(data)
        try:
            check(problem, parse_answers(text, problem, "odd.yaml"))
        except ProblemError as exc:
            assert str(exc).startswith("odd.yaml"), str(exc)


@pytest.mark.parametrize("key", ["layers", "forward", "steps", "grad", "dh", "d_pre", 1, "2",
                                 "t=1", "layer 2", "∂h", "δ", True, "??", "x" * 300])
def test_odd_keys_at_every_level(key):
    problem = bidi()
    for where in ({key: {"dh": {1: [1, 2]}}}, {"forward": {key: [1, 2]}},
                  {"forward": {"grad": {key: {"W": [[1]]}}}}, {"forward": {"dh": {key: [1, 2]}}},
                  {"grad": {key: {"reset": {"b": [1, 2]}}}}):
        text = json.dumps(where) if not isinstance(key, bool) else yaml.safe_dump(where)
        try:
            check(problem, parse_answers(text, problem, "odd.yaml"))
        except ProblemError as exc:
            assert str(exc).startswith("odd.yaml"), str(exc)


def test_the_readmes_example_answers_are_correct():
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    after = readme[readme.index("For `problems/lstm_two_layers_backprop.yaml`:"):]
    text = after.split("```yaml\n", 1)[1].split("---\n", 1)[0]
    v = verdicts(stacked(), text)
    assert len(v) == 18 and set(v.values()) == {"correct"}

"""Random problems with a loss, and the same network written directly in torch.

The torch side is independent of lstm-solve: each cell is written out from its
textbook equations, every parameter is a leaf tensor shaped as the problem file
writes it (W, U, b per gate; one W over the stacked vector in concat layout;
(in, out) in row orientation), and torch.autograd differentiates it.
"""

from __future__ import annotations

import numpy as np

GATES = {"lstm": ("input", "forget", "candidate", "output"),
         "gru": ("reset", "update", "candidate"), "rnn": ("hidden",)}
CELLS = [("lstm", {}),
         ("gru", {"z_multiplies": "previous", "reset": "before"}),
         ("gru", {"z_multiplies": "candidate", "reset": "before"}),
         ("gru", {"z_multiplies": "previous", "reset": "after"}),
         ("gru", {"z_multiplies": "candidate", "reset": "after"}),
         ("rnn", {"activation": "tanh"}),
         ("rnn", {"activation": "sigmoid"}),
         ("rnn", {"activation": "relu"})]
LAYOUTS = [("split", None, "column"), ("split", None, "row"),
           ("concat", ["h", "x"], "column"), ("concat", ["x", "h"], "column"),
           ("concat", ["h", "x", 1], "column"), ("concat", [1, "x", "h"], "row"),
           ("concat", ["x", "h"], "row"), ("concat", ["h", 1, "x"], "row")]
LOSSES = [("half_squared_error", "h", None), ("squared_error", "h", None),
          ("mean_squared_error", "h", None), ("half_squared_error", "y", "identity"),
          ("squared_error", "y", "sigmoid"), ("mean_squared_error", "y", "tanh"),
          ("cross_entropy", "y", "softmax"), ("half_squared_error", "y", "softmax")]


def _r(rng, *shape, scale=1.0):
    """Three decimals: exact in YAML, the same floats in torch."""
    return np.round(rng.uniform(-scale, scale, size=shape), 3)


def random_case(seed: int, cell: str, options: dict, layout, stack, orientation, loss,
                output: str | None, steps: str = "all", upstream: bool = False,
                embedding: str | None = None, two_biases: bool = False, clip=None,
                rate=None) -> tuple[dict, dict]:
    """(problem data, what torch needs)."""
    rng = np.random.default_rng(seed)
    H, X, T = int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
    row = orientation == "row"
    gates, params = {}, {}
    for gate in GATES[cell]:
        Wh, Wx, b = _r(rng, H, H), _r(rng, H, X), _r(rng, H)
        if layout == "split":
            p = {"W": Wh, "U": Wx, "b": b}
            if two_biases:
                p["b_h"] = _r(rng, H)
        else:
            cols = {"h": Wh, "x": Wx, 1: b[:, None]}
            p = {"W": np.hstack([cols[s] for s in stack])}
            if 1 not in stack:
                p["b"] = b
        if row:
            p = {k: v.T if v.ndim == 2 else v for k, v in p.items()}
        params.update({(gate, k): v for k, v in p.items()})
        gates[gate] = {k: v.tolist() for k, v in p.items()}
    data: dict = {"cell": cell, **options, "layout": layout, "orientation": orientation,
                  "gates": gates, "decimals": 6}
    if stack:
        data["stack"] = stack
    initial = {"h": _r(rng, H)}
    if cell == "lstm":
        initial["c"] = _r(rng, H)
    data["initial"] = {k: v.tolist() for k, v in initial.items()}
    vocab = None
    if embedding:
        vocab = int(rng.integers(2, 5))
        E = _r(rng, vocab, X) if embedding == "rows" else _r(rng, X, vocab)
        tokens = rng.integers(0, vocab, size=T).tolist()
        data["embedding"] = E.tolist()
        if vocab == X:
            data["embedding_layout"] = embedding
        data["tokens"] = tokens
        params[("embedding",)] = E
        xs = None
    else:
        xs = _r(rng, T, X, scale=2)
        data["x"] = xs.tolist()
        tokens = None
    K = int(rng.integers(2, 4))
    if output:
        V, c = _r(rng, K, H), _r(rng, K)
        data["output_layer"] = {"V": (V.T if row else V).tolist(), "c": c.tolist(),
                                "activation": output}
        params[("output_layer", "V")] = V.T if row else V
        params[("output_layer", "c")] = c
    targets = None
    if upstream:
        data["upstream"] = {"h": _r(rng, H).tolist()}
        if cell == "lstm":
            data["upstream"]["c"] = _r(rng, H).tolist()
    else:
        size = K if loss[1] == "y" else H
        if loss[0] == "cross_entropy":
            targets = rng.integers(0, K, size=T).tolist()
        else:
            targets = _r(rng, T, size).tolist()
        data["loss"] = {"kind": loss[0], "on": loss[1], "targets": targets, "steps": steps}
    if clip is not None:
        data["clip"] = {"max_norm": clip}
    if rate is not None:
        data["learning_rate"] = rate
    spec = {"cell": cell, "options": options, "layout": layout, "stack": stack, "row": row,
            "params": params, "initial": initial, "xs": xs, "tokens": tokens,
            "embedding": embedding, "vocab": vocab, "output": output, "H": H, "X": X,
            "T": T, "loss": loss, "targets": targets, "steps": steps,
            "upstream": data.get("upstream")}
    return data, spec


def torch_backward(torch, spec: dict) -> dict:
    """Forward in torch from the textbook equations, loss, autograd: every gradient."""
    row, cell, opts = spec["row"], spec["cell"], spec["options"]
    leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
              for k, v in spec["params"].items()}
    init = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
            for k, v in spec["initial"].items()}
    H, T = spec["H"], spec["T"]

    def times(W, v):
        return v @ W if row else W @ v

    def pre(gate, h_in, x, after_reset=None):
        P = {k[1]: v for k, v in leaves.items() if k[0] == gate}
        if spec["layout"] == "split":
            rec = times(P["W"], h_in)
            if after_reset is not None:
                rec = after_reset * (rec + P.get("b_h", 0))
                return rec + times(P["U"], x) + P["b"]
            return rec + times(P["U"], x) + P["b"] + P.get("b_h", 0)
        W = P["W"]
        parts = {"h": h_in, "x": x, 1: torch.ones(1, dtype=torch.float64)}
        if after_reset is not None:  # W cut by the stack's columns
            start, out = 0, {}
            for s in spec["stack"]:
                n = {"h": H, "x": spec["X"], 1: 1}[s]
                out[s] = W[start:start + n] if row else W[:, start:start + n]
                start += n
            bias = P["b"] if 1 not in spec["stack"] else (out[1][0] if row else out[1][:, 0])
            return after_reset * times(out["h"], h_in) + times(out["x"], x) + bias
        z = times(W, torch.cat([parts[s] for s in spec["stack"]]))
        return z + P["b"] if "b" in P else z

    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
           "identity": lambda z: z, "softmax": lambda z: torch.softmax(z, 0)}
    h = init["h"]
    c = init.get("c")
    record = []
    for k in range(T):
        if spec["tokens"] is not None:
            E = leaves[("embedding",)]
            onehot = torch.zeros(spec["vocab"], dtype=torch.float64)
            onehot[spec["tokens"][k]] = 1
            x = onehot @ E if spec["embedding"] == "rows" else E @ onehot
        else:
            x = torch.tensor(spec["xs"][k], dtype=torch.float64)
        rec: dict = {}
        if cell == "lstm":
            zs = {g: pre(name, h, x) for g, name in zip("ifgo", GATES["lstm"])}
            gates = {g: (torch.tanh if g == "g" else torch.sigmoid)(z) for g, z in zs.items()}
            c = gates["f"] * c + gates["i"] * gates["g"]
            h = gates["o"] * torch.tanh(c)
            rec.update(c=c)
        elif cell == "gru":
            zs = {"r": pre("reset", h, x), "z": pre("update", h, x)}
            gates = {g: torch.sigmoid(z) for g, z in zs.items()}
            if opts["reset"] == "before":
                zs["g"] = pre("candidate", gates["r"] * h, x)
            else:
                zs["g"] = pre("candidate", h, x, after_reset=gates["r"])
            gates["g"] = torch.tanh(zs["g"])
            z = gates["z"]
            if opts["z_multiplies"] == "previous":
                h = z * h + (1 - z) * gates["g"]
            else:
                h = (1 - z) * h + z * gates["g"]
        else:
            zs = {"h": pre("hidden", h, x)}
            h = act[opts["activation"]](zs["h"])
            gates = {}
        rec.update(h=h, pre=zs, gates=gates, x=x)
        if spec["output"]:
            zy = times(leaves[("output_layer", "V")], h) + leaves[("output_layer", "c")]
            rec.update(zy=zy, y=act[spec["output"]](zy))
        for t in [h, c, x, *zs.values(), *gates.values(), rec.get("zy"), rec.get("y")]:
            if t is not None and t.requires_grad:
                t.retain_grad()
        record.append(rec)
    if spec["upstream"] is not None:
        up = spec["upstream"]
        loss = (torch.tensor(up["h"]) * record[-1]["h"]).sum()
        if "c" in up:
            loss = loss + (torch.tensor(up["c"]) * record[-1]["c"]).sum()
    else:
        kind, on, _ = spec["loss"]
        counted = range(T) if spec["steps"] == "all" else [T - 1]
        terms, n = [], 0
        for k in counted:
            target = spec["targets"][k]
            out = record[k]["y" if on == "y" else "h"]
            if kind == "cross_entropy":
                terms.append(-torch.log(out[target]))
            else:
                terms.append(((out - torch.tensor(target)) ** 2).sum())
                n += out.numel()
        loss = sum(terms)
        if kind == "half_squared_error":
            loss = loss / 2
        elif kind == "mean_squared_error":
            loss = loss / n
    loss.backward()

    def grad(t):
        return None if t is None or t.grad is None else t.grad.detach().numpy().copy()

    return {"loss": float(loss.detach()), "params": {k: grad(v) for k, v in leaves.items()},
            "initial": {k: grad(v) for k, v in init.items()},
            "steps": [{"dh": grad(r["h"]), "dc": grad(r.get("c")), "dy": grad(r.get("zy")),
                       "d_pre": {g: grad(z) for g, z in r["pre"].items()},
                       "d_gates": {g: grad(v) for g, v in r["gates"].items()}}
                      for r in record]}


def network_case(seed: int, cell: str, options: dict, layers: int, bidirectional: bool,
                 loss, output: str | None, orientation: str = "column"):
    """A stacked and/or bidirectional network: (problem data, torch's gradients function).

    The torch side runs each layer (and direction) from the textbook equations with leaf
    parameters, as random_case's single layer does."""
    rng = np.random.default_rng(seed)
    H, X, T = int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(2, 4))
    row = orientation == "row"
    directions = ("forward", "backward") if bidirectional else ("forward",)
    units, blocks = [], []
    size = X
    for layer in range(layers):
        block = {}
        for direction in directions:
            gates, params = {}, {}
            for gate in GATES[cell]:
                p = {"W": _r(rng, H, H), "U": _r(rng, H, size), "b": _r(rng, H)}
                params[gate] = p
                gates[gate] = {k: (v.T if row and v.ndim == 2 else v).tolist()
                               for k, v in p.items()}
            h0 = _r(rng, H)
            c0 = _r(rng, H) if cell == "lstm" else None
            initial = {"h": h0.tolist(), **({"c": c0.tolist()} if c0 is not None else {})}
            block[direction] = {"gates": gates, "initial": initial}
            units.append((layer, direction, params, h0, c0))
        blocks.append(block)
        size = H * len(directions)
    xs = _r(rng, T, X, scale=2)
    data: dict = {"cell": cell, **options, "orientation": orientation, "x": xs.tolist(),
                  "decimals": 6}
    if bidirectional:
        data["bidirectional"] = True
    if layers > 1:
        data["layers"] = [b if bidirectional else b["forward"] for b in blocks]
    elif bidirectional:
        data.update(blocks[0])
    else:
        data.update(blocks[0]["forward"])
    K = int(rng.integers(2, 4))
    top = H * len(directions)
    V = cb = None
    if output:
        V, cb = _r(rng, K, top), _r(rng, K)
        data["output_layer"] = {"V": (V.T if row else V).tolist(), "c": cb.tolist(),
                                "activation": output}
    n = K if loss[1] == "y" else top
    targets = (rng.integers(0, K, size=T).tolist() if loss[0] == "cross_entropy"
               else _r(rng, T, n).tolist())
    data["loss"] = {"kind": loss[0], "on": loss[1], "targets": targets}

    def reference(torch):
        act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
               "identity": lambda z: z, "softmax": lambda z: torch.softmax(z, 0)}
        leaves, inits = {}, {}
        inputs = [torch.tensor(x) for x in xs]
        for layer in range(layers):
            outs = {}
            for (lay, direction, params, h0, c0) in units:
                if lay != layer:
                    continue
                P = {g: {k: torch.tensor(v, requires_grad=True) for k, v in p.items()}
                     for g, p in params.items()}
                leaves[(layer, direction)] = P
                h = torch.tensor(h0, requires_grad=True)
                c = torch.tensor(c0, requires_grad=True) if c0 is not None else None
                inits[(layer, direction)] = {"h": h, **({"c": c} if c is not None else {})}
                seq = range(T) if direction == "forward" else range(T - 1, -1, -1)
                hs = [None] * T

                def pre(g, h_in, x, after=None, P=P):
                    q = P[g]
                    if after is not None:
                        return after * (q["W"] @ h_in) + q["U"] @ x + q["b"]
                    return q["W"] @ h_in + q["U"] @ x + q["b"]

                for k in seq:
                    x = inputs[k]
                    if cell == "lstm":
                        i = torch.sigmoid(pre("input", h, x))
                        f = torch.sigmoid(pre("forget", h, x))
                        g = torch.tanh(pre("candidate", h, x))
                        o = torch.sigmoid(pre("output", h, x))
                        c = f * c + i * g
                        h = o * torch.tanh(c)
                    elif cell == "gru":
                        r = torch.sigmoid(pre("reset", h, x))
                        z = torch.sigmoid(pre("update", h, x))
                        n_ = torch.tanh(pre("candidate", r * h, x) if options["reset"] == "before"
                                        else pre("candidate", h, x, after=r))
                        h = z * h + (1 - z) * n_ if options["z_multiplies"] == "previous" else \
                            (1 - z) * h + z * n_
                    else:
                        h = act[options["activation"]](pre("hidden", h, x))
                    hs[k] = h
                outs[direction] = hs
            inputs = [torch.cat([outs[dd][k] for dd in directions]) for k in range(T)]
        Vt = torch.tensor(V, requires_grad=True) if V is not None else None
        ct = torch.tensor(cb, requires_grad=True) if cb is not None else None
        terms, count = [], 0
        for k in range(T):
            out = act[output](Vt @ inputs[k] + ct) if loss[1] == "y" else inputs[k]
            if loss[0] == "cross_entropy":
                terms.append(-torch.log(out[targets[k]]))
            else:
                terms.append(((out - torch.tensor(targets[k])) ** 2).sum())
                count += out.numel()
        total = sum(terms)
        total = total / 2 if loss[0] == "half_squared_error" else (
            total / count if loss[0] == "mean_squared_error" else total)
        total.backward()
        grads = {}
        for (layer, direction), P in leaves.items():
            prefix = (("layers", layer) if layers > 1 else ()) + (
                (direction,) if bidirectional else ())
            for g, q in P.items():
                for k, v in q.items():
                    grads[prefix + (g, k)] = (v.grad.T if row and v.ndim == 2
                                              else v.grad).numpy()
            for s, v in inits[(layer, direction)].items():
                grads[prefix + ("initial", s)] = v.grad.numpy()
        if Vt is not None:
            grads[("output_layer", "V")] = (Vt.grad.T if row else Vt.grad).numpy()
            grads[("output_layer", "c")] = ct.grad.numpy()
        return float(total.detach()), grads

    return data, reference

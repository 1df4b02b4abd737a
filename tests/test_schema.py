"""The problem file's JSON Schema: valid draft 2020-12, every example and every file the
tool writes validates, what the reader refuses the schema refuses, and the schema's keys
and choices are the reader's, both ways (a key added to one and not the other fails
here, named)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile

import pytest
import yaml
from conftest import EXAMPLES, ROOT, problem_text, require

from lstm_solver import ProblemError, load_problem, parse_problem
from lstm_solver import problem as reader
from lstm_solver.cells import CELLS
from lstm_solver.generate import Spec, generate
from lstm_solver.naming import split_keys
from lstm_solver.schema import PATH, load

TAG = "x-lstm-solve-keys"


@pytest.fixture(scope="module")
def validator():
    jsonschema = require("jsonschema")
    schema = load()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def errors(validator, data) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(data)]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_validate(validator, path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert errors(validator, data) == []


def test_what_the_tool_writes_validates(validator, torch):
    """Problem.to_yaml of every example, generated variants, imported networks."""
    texts = [load_problem(p).to_yaml() for p in EXAMPLES]
    for cell, options in (("lstm", {}), ("gru", {"reset": "after"}),
                          ("rnn", {"activation": "relu"})):
        for layout, orientation in (("split", "row"), ("concat", "column")):
            texts += generate(Spec(cell=cell, layout=layout, orientation=orientation,
                                   options=options, output=2, ask=("h",)), 1)
    from lstm_solver import Problem

    for module in (torch.nn.LSTM(2, 2, num_layers=2, bidirectional=True),
                   torch.nn.GRU(2, 3), torch.nn.RNNCell(2, 2)):
        texts.append(Problem.from_torch(module, torch.zeros(3, 2), title="t").to_yaml())
    for text in texts:
        assert errors(validator, yaml.safe_load(text)) == [], text


BASE = {"cell": "lstm", "gates": {"input": {"W": [[1]], "U": [[1]]}}, "x": [1]}
REFUSED = {
    "an unknown key": {**BASE, "colour": "red"},
    "an unknown gate": {**BASE, "gates": {"reset": {"W": [[1]], "U": [[1]]}}},
    "U in concat": {**BASE, "layout": "concat", "gates": {"input": {"W": [[1, 1]], "U": [[1]]}}},
    "no U in split": {**BASE, "gates": {"input": {"W": [[1]]}}},
    "a GRU option on an LSTM": {**BASE, "reset": "after"},
    "an RNN option on a GRU": {"cell": "gru", "activation": "relu", "x": [1],
                               "gates": {"reset": {"W": [[1]], "U": [[1]]}}},
    "no cell": {"gates": BASE["gates"], "x": [1]},
    "no x": {"cell": "lstm", "gates": BASE["gates"]},
    "layout as a typo": {**BASE, "layout": "concatenated"},
    "too many decimals": {**BASE, "decimals": 16},
    "stack in split": {**BASE, "stack": ["x", "h"]},
    "forward without bidirectional": {**BASE, "forward": {"gates": BASE["gates"]}},
    "layers and gates": {**BASE, "layers": [{"gates": BASE["gates"]}]},
    "an unknown initial state": {**BASE, "initial": {"z": [0]}},
    "a number as text": {**BASE, "x": ["one"]},
    "two namings in one gate": {**BASE, "gates": {"input": {"W_x": [[1]], "W_hh": [[1]]}}},
    "a convention in concat": {**BASE, "layout": "concat", "convention": "W_x",
                               "gates": {"input": {"W": [[1, 1]]}}},
    "a convention typo": {**BASE, "convention": "W_y"},
    "an unknown output activation": {**BASE, "output_layer": {"V": [[1]], "activation": "relu"}},
    "a count with an unknown key": {"task": "count_parameters", "cell": "rnn", "hidden_size": 2,
                                    "input_size": 2, "units": 2},
    "a count without the input size": {"task": "count_parameters", "cell": "rnn",
                                       "hidden_size": 2},
    "a count's embedding without dim": {"task": "count_parameters", "cell": "rnn",
                                        "hidden_size": 2, "embedding": {"vocab": 3}},
}


@pytest.mark.parametrize("what", REFUSED)
def test_what_the_reader_refuses_the_schema_refuses(validator, what):
    data = REFUSED[what]
    with pytest.raises(ProblemError):
        parse_problem(problem_text(data))
    assert errors(validator, data), f"the schema accepts {what}"


# --- the schema's keys are the reader's ---------------------------------------------------


def tagged(node, where: str = "#", out: dict | None = None) -> dict[str, list[tuple[str, set]]]:
    """Every object tagged with a reader key set: tag -> [(where it is, its keys)]."""
    out = {} if out is None else out
    if isinstance(node, dict):
        if TAG in node:
            out.setdefault(node[TAG], []).append((where, set(node["properties"])))
        for key, value in node.items():
            tagged(value, f"{where}/{key}", out)
    elif isinstance(node, list):
        for k, value in enumerate(node):
            tagged(value, f"{where}/{k}", out)
    return out


NOT_KEY_SETS = {"SPLIT_KEYS"}  # the slots W, U, b, b_h; a file's keys are naming.split_keys()


def reader_key_sets() -> dict[str, tuple]:
    """problem.py's key sets (every *_KEYS constant, DIRECTIONS), the gates' parameter
    keys of every naming, and the cells' names."""
    sets = {name: value for name, value in vars(reader).items()
            if (name.endswith("_KEYS") or name == "DIRECTIONS") and isinstance(value, tuple)
            and name not in NOT_KEY_SETS}
    sets["naming.split_keys()"] = tuple(split_keys())
    for name, kind in CELLS.items():
        cell = kind()
        sets[f"gates of cell: {name}"] = tuple(n for g in cell.gates
                                               for n in (g.name, g.short, *g.aliases))
        sets[f"initial states of cell: {name}"] = tuple(
            n for s in cell.state for n in (s, *cell.state_aliases.get(s, ())))
        sets[f"given values of cell: {name}"] = tuple(cell.names())
    return sets


def test_every_key_the_reader_reads_is_in_the_schema_and_back():
    schema, sets = load(), reader_key_sets()
    objects = tagged(schema)
    problems = []
    for tag, keys in sets.items():
        if tag not in objects:
            problems.append(f"problem.py's {tag} ({', '.join(map(str, keys))}) has no object in "
                            f"the schema: describe it in {PATH.name} and tag it "
                            f'"{TAG}": "{tag}"')
            continue
        for where, props in objects[tag]:
            for key in keys:
                if key not in props:
                    problems.append(f"the reader reads {key!r} ({tag}) but the schema's "
                                    f"{where} does not describe it")
            for key in props - set(keys):
                problems.append(f"the schema's {where} describes {key!r}, which the "
                                f"reader does not read ({tag})")
    for tag in set(objects) - set(sets):
        problems.append(f"the schema tags {', '.join(w for w, _ in objects[tag])} with "
                        f"{tag!r}, which is no key set of problem.py")
    assert not problems, "\n".join(problems)


def test_every_cell_option_is_in_the_schema():
    props = load()["$defs"]["problem"]["properties"]
    for name, kind in CELLS.items():
        for option, choices in kind.options.items():
            assert set(props[option]["enum"]) == set(choices), (name, option)
            assert props[option]["default"] == choices[0], (name, option)


def _choices(data: dict, *path) -> set[str]:
    """The choices the reader names when a value at ``path`` is wrong."""
    with pytest.raises(ProblemError) as caught:
        parse_problem(problem_text(data))
    found = re.search(r"expected one of: (.*?)(?:; found|$)", caught.value.message)
    assert found, caught.value.message
    return {c.strip() for c in found.group(1).split(",")}


@pytest.mark.parametrize("key", ["cell", "layout", "orientation", "carry", "round_half",
                                 "embedding_layout", "output_layer.activation", "convention"])
def test_the_schema_offers_the_readers_choices(key):
    schema = load()["$defs"]
    data = {**BASE, "embedding": [[1], [2]], "tokens": [0], "output_layer": {"V": [[1]]}}
    del data["x"]
    *parents, last = key.split(".")
    target = data
    for p in parents:
        target = target[p]
    target[last] = "no-such-choice"
    node = schema["problem"]["properties"][key] if not parents else \
        schema[parents[0]]["properties"][last]
    assert set(map(str, node["enum"])) == _choices(data), key


# --- editors find it --------------------------------------------------------------------


def test_the_cli_prints_and_writes_it(tmp_path):
    from click.testing import CliRunner

    from lstm_solver.cli import main

    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0 and result.output == PATH.read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["schema", "-o", str(tmp_path / "s.json")])
    assert (tmp_path / "s.json").read_text(encoding="utf-8") == result.output or \
        (tmp_path / "s.json").read_text(encoding="utf-8") == PATH.read_text(encoding="utf-8")
    assert CliRunner().invoke(main, ["schema", "--path"]).output.strip() == str(PATH)


def test_packaged_in_the_wheel(tmp_path):
    """The schema is package data: a wheel built from the sources holds it."""
    source = tmp_path / "src"
    shutil.copytree(ROOT / "lstm_solver", source / "lstm_solver",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps",
                          "--no-build-isolation", "-q", "-w", str(tmp_path / "dist")],
                         capture_output=True, text=True, timeout=300)
    if out.returncode != 0 and "No module named pip" in out.stderr:
        pytest.skip("pip is not in this environment")
    assert out.returncode == 0, out.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("*.whl"))
    with zipfile.ZipFile(wheel) as z:
        assert z.read("lstm_solver/schema/problem.schema.json") == PATH.read_bytes()

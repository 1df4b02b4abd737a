"""The mutation fuzzer in the normal test run: a few hundred cases (bench/fuzz.py: thousands).

Every case runs ``lstm-solve`` in process in a worker with a time limit; see
tests/fuzzing.py for the mutations and the oracle. LSTM_FUZZ_CASES and LSTM_FUZZ_SEED
change how many cases and which.
"""

from __future__ import annotations

import os
from pathlib import Path

import fuzzing

CASES = int(os.environ.get("LSTM_FUZZ_CASES", "300"))
SEED = int(os.environ.get("LSTM_FUZZ_SEED", "2026"))
TIMEOUT = 60.0  # seconds a case may take on a loaded machine before it counts as a hang


def test_fuzz_the_command_line(tmp_path):
    cases = fuzzing.make_cases(CASES, seed=SEED)
    kinds = {(c.kind, c.fmt) for c in cases}
    assert {f for k, f in kinds if k == "solve"} >= set(fuzzing.formats("solve")) - {"pdf"}
    assert {f for k, f in kinds if k == "check"} == set(fuzzing.formats("check"))
    failures, skipped, codes = [], [], set()
    with fuzzing.Runner(timeout=TIMEOUT) as runner:
        for case in cases:
            outcome = runner.run(case)
            codes.add((case.kind, outcome.exit_code))
            known = fuzzing.known(outcome)
            if known:
                skipped.append(known)
            elif outcome.problems:
                failures.append(f"{fuzzing.save(outcome, tmp_path)}: {outcome.problems}")
    assert not failures, "\n".join(failures)
    # the cases reach the solution and the marking, not only the error messages
    assert {("solve", 0), ("solve", 2), ("check", 1), ("check", 2)} <= codes


def test_the_oracle_finds_what_it_should():
    case = fuzzing.Case(0, "solve", "json", ["case.yaml"], {"case.yaml": ""}, ["case.yaml"])
    judge = fuzzing._judge
    assert judge(case, 0, '{"a": 1}', "", "", "") == []
    assert judge(case, 2, "", "error: case.yaml:1:1: bad", "", "") == []
    assert "exit code 1" in judge(case, 1, "", "", "", "")
    assert any("invalid JSON" in p for p in judge(case, 0, '{"a": NaN}', "", "", ""))
    assert any("names no file" in p for p in judge(case, 2, "", "error: bad", "", ""))
    assert any("traceback" in p for p in judge(case, 2, "", "case.yaml internal error", "", ""))
    check = fuzzing.Case(0, "check", "terminal", [], {}, ["p.yaml", "a.yaml"])
    assert judge(check, 1, "", "", "", "") == []


def test_a_hang_fails_its_case_and_the_next_case_runs():
    good = fuzzing.Case(1, "solve", "terminal", ["q.yaml"],
                        {"q.yaml": (fuzzing.PROBLEMS / "seed001_q2_given_gates.yaml")
                         .read_text()}, ["q.yaml"])
    with fuzzing.Runner(timeout=0.001) as runner:
        slow = runner.run(good)
    assert slow.exit_code is None and "a hang" in slow.problems[0]
    with fuzzing.Runner(timeout=TIMEOUT) as runner:
        assert runner.run(good).problems == [] and runner.run(good).exit_code == 0


def test_failures_are_saved_to_reproduce(tmp_path):
    outcome = fuzzing.Outcome(fuzzing.Case(7, "solve", "json", ["case-00007.yaml"],
                                           {"case-00007.yaml": "cell: x\n"},
                                           ["case-00007.yaml"]), 1, 0.1, ["exit code 1"])
    where = fuzzing.save(outcome, tmp_path)
    assert (where / "case-00007.yaml").read_text() == "cell: x\n"
    assert "lstm-solve case-00007.yaml" in (where / "command.txt").read_text()


def test_mutations_are_deterministic_and_bounded():
    first = fuzzing.make_cases(10, seed=5)
    again = fuzzing.make_cases(10, seed=5)
    assert [c.files for c in first] == [c.files for c in again]
    assert all(len(t) <= 3 * fuzzing.MAX_TEXT for c in first for t in c.files.values())
    assert Path(fuzzing.ROOT / "problems").is_dir()

"""Hostile input at the whole public surface: every public callable of tests/hostile.py with each argument swapped
for a hostile value (the full sweep), then values hypothesis generates; and every numeric command-line flag with
generated text. The outcome is always a correct, finite result or torchseq's own refusal naming what was given:
never an exception from inside torch, NumPy, pandas or the standard library."""
import argparse
import math

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile import CASES, HOSTILE, outcome
from torchseq import _cli_types as cli_types
from torchseq.cli import build_parser


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_argument_with_every_hostile_value(case):
    problems = [outcome(case, argument, value) for argument in CASES[case][1] for value in HOSTILE]
    problems = [p for p in problems if p is not None]
    assert not problems, "\n".join(problems)


VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10 ** 6, 10 ** 6), st.floats(allow_nan=True),
                   st.text(max_size=5), st.lists(st.integers(-3, 3), max_size=3),
                   st.tuples(st.floats(-2, 2), st.floats(-2, 2)))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_values_for_any_argument(data):
    case = data.draw(st.sampled_from(sorted(CASES)), label="case")
    argument = data.draw(st.sampled_from(sorted(CASES[case][1])), label="argument")
    value = data.draw(VALUES, label="value")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 4096 and argument not in (
            "seed", "x", "y", "lr", "value", "min_delta"):
        value = 4096                                                      # a size that large only tests memory
    HOSTILE["generated"] = value
    try:
        problem = outcome(case, argument, "generated")
    finally:
        del HOSTILE["generated"]
    assert problem is None, problem


def _flags():
    """(command line before the flag, flag, its argparse action) for every flag with a checked type."""
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    prefix = {"experiment": ["experiment", "dropout"], "reproduce": ["reproduce", "geron15"]}
    for name, sub in commands.choices.items():
        for action in sub._actions:
            if action.option_strings and getattr(action.type, "__module__", "") == cli_types.__name__:
                yield prefix.get(name, [name]), action.option_strings[-1], action


FLAGS = list(_flags())


@pytest.mark.parametrize("before,flag,action", FLAGS, ids=[f"{b[0]} {f}" for b, f, _ in FLAGS])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(max_size=6), st.integers(-5, 5).map(str), st.floats(allow_nan=True).map(str),
                      st.sampled_from(["0", "-1", "1e30", "nan", "inf", "-0", "2.5", "", " 3"])))
def test_typed_flags_parse_or_fail_in_one_line(before, flag, action, text, capsys):
    try:
        args = build_parser().parse_args([*before, flag, text])
    except SystemExit as done:
        err = capsys.readouterr().err
        assert done.code == 2 and f"argument {flag}" in err and "Traceback" not in err
        return
    value = getattr(args, action.dest)
    if action.type is cli_types.device:
        assert torch.device(value).type in ("cpu", "cuda")
        return
    value = value[0] if isinstance(value, list) else value                    # --seeds takes several
    assert isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0

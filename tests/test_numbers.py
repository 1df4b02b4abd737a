"""Reading numbers exactly and showing them rounded as on paper."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_solver.numbers import NumberError, Rounding, parse_matrix, parse_number, parse_vector


@pytest.mark.parametrize("text,value", [
    (2, Fraction(2)), ("1/3", Fraction(1, 3)), ("-0.25", Fraction(-1, 4)),
    ("1e-3", Fraction(1, 1000)), ("−2", Fraction(-2)), (Fraction(7, 10), Fraction(7, 10)),
])
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("bad", ["nan", "inf", "-Infinity", "abc", True, None, [1], {"a": 1}])
def test_parse_number_rejects(bad):
    with pytest.raises(NumberError):
        parse_number(bad)


@pytest.mark.parametrize("x,decimals,up,even", [
    (0.125, 2, "0.13", "0.12"), (0.135, 2, "0.14", "0.14"), (2.5, 0, "3", "2"),
    (-0.125, 2, "-0.13", "-0.12"), (0.99995, 4, "1.0000", "1.0000"), (12.53510712, 4, "12.5351",
                                                                       "12.5351"),
])
def test_round_half_up_and_even(x, decimals, up, even):
    assert Rounding(decimals, "up").show(x) == up
    assert Rounding(decimals, "even").show(x) == even


def test_show_whole_numbers_bare_only_when_asked():
    r = Rounding(4)
    assert r.show(2.0) == "2.0000" and r.show(2.0, bare=True) == "2"
    assert r.show(-0.00001) == "0.0000"  # no negative zero
    assert r.show(1e300) == "1.0000e+300"


def test_carry_rounded_values():
    np.testing.assert_array_equal(Rounding(2).round(np.array([0.125, 0.333, -1.005])),
                                  [0.13, 0.33, -1.01])


def test_matrix_and_vector_forms():
    assert parse_matrix("1 2\n3 4").exact == ((1, 2), (3, 4))
    assert parse_matrix([1, 2]).shape == (1, 2)
    assert parse_vector([[1], [2]]).exact == (1, 2)
    assert parse_vector([[1, 2]]).exact == (1, 2)
    with pytest.raises(NumberError, match="expected a vector"):
        parse_vector([[1, 2], [3, 4]])
    with pytest.raises(NumberError, match="ragged"):
        parse_matrix([[1, 2], [3]])


def test_shown_numbers_match_decimal_rounding_of_the_shortest_form():
    """The fast path of Rounding.show (no rounding needed, or cached) against Decimal."""
    import random
    from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

    rng = random.Random(3)
    values = [0.0, -0.0, 0.125, -0.125, 2.5, -0.5, 1e-5, -4.9999e-5, 0.00005, 5e-324,
              99999999.99995, 1e-7]
    values += [rng.uniform(-1, 1) * 10 ** rng.randrange(-12, 9) for _ in range(3000)]
    values += [round(rng.uniform(-10, 10), rng.randrange(8)) for _ in range(3000)]
    for decimals in (0, 2, 4, 15):
        for half, mode in (("up", ROUND_HALF_UP), ("even", ROUND_HALF_EVEN)):
            rounding = Rounding(decimals=decimals, round_half=half)
            for x in values:
                want = Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), rounding=mode)
                text = format(want, "f")
                if want == 0:
                    text = text.lstrip("-")
                assert rounding.show(x) == text, (x, decimals, half)


@settings(max_examples=3000, deadline=None)
@given(x=st.one_of(st.floats(allow_nan=False, allow_infinity=False, min_value=-9.99e8,
                             max_value=9.99e8),  # beyond: shown as 1e+09
                   st.sampled_from([0.5, -0.5, 2.5, -2.5, 0.125, -0.125, 0.99995, -0.99995,
                                    12.345, -0.0, 0.0, 1e-5, 0.045])),
       decimals=st.integers(0, 10), mode=st.sampled_from(["up", "truncate", "even", "down"]))
def test_shown_numbers_round_the_shortest_decimal_as_decimal_does(x, decimals, mode):
    """Rounding.show rounds a value's shortest decimal form; half up and truncate work on
    its digits (fast), and must give exactly what Decimal's quantize gives."""
    from decimal import Decimal

    from lstm_solver.numbers import _WIDE, MODES, Rounding

    want = Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), rounding=MODES[mode],
                                     context=_WIDE)
    text = format(want, "f")
    text = text[1:] if text.startswith("-") and want == 0 else text
    assert Rounding(decimals, mode).show(x) == text

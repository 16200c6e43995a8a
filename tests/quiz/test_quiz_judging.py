"""quiz/judging.py: the one rule that judges typed numbers on the site, in the terminal and in exports."""
import pytest

from quiz import judging


@pytest.mark.parametrize("typed, value", [("0.73", 0.73), (".731", 0.731), ("7.3e-1", 0.73), ("\u22120.73", -0.73),
                                          (" -0.73 ", -0.73), ("+2", 2.0), ("1E3", 1000.0)])
def test_numbers_are_read_in_every_usual_form(typed, value):
    assert judging.parse_number(typed) == pytest.approx(value)


@pytest.mark.parametrize("typed", ["0,73", "abc", "", "1.2.3", "e5", "--1"])
def test_what_is_not_a_number_says_so(typed):
    with pytest.raises(judging.NotANumber):
        judging.parse_number(typed)


def verdict_of(value, **question):
    band = judging.verdict(judging.bands(**question), value)
    return None if band is None else (band.verdict, band.misconception)


def test_bands_in_order_right_then_misconceptions_then_close():
    question = dict(answer=0.731, digits=3, absolute=0.0005, wrong={"dropped-bias": 0.7365, "tanh-gate": -0.2})
    assert verdict_of(0.731, **question) == ("right", None)
    assert verdict_of(0.7315, **question) == ("right", None)  # on the edge: binary rounding must not refuse it
    assert verdict_of(0.7365, **question) == ("misconception", "dropped-bias")
    assert verdict_of(-0.2004, **question) == ("misconception", "tanh-gate")
    assert verdict_of(0.735, **question) == ("close", None)  # within ten times the tolerance
    assert verdict_of(0.7252, **question) == ("close", None)  # outside ten times, but rounds to 0.73 as 0.731 does
    assert verdict_of(0.70, **question) is None


def test_the_rounding_band_is_one_decimal_fewer():
    question = dict(answer=0.731, digits=3, absolute=0.0)
    assert verdict_of(0.726, **question) == ("close", None)  # 0.726 -> 0.73, as 0.731 -> 0.73
    assert verdict_of(0.7249, **question) is None  # -> 0.72
    assert verdict_of(0.731, **question) == ("right", None)


def test_relative_tolerance_scales_with_the_value():
    assert verdict_of(253, answer=250, digits=0, absolute=0.5, relative=0.01) == ("right", None)
    assert verdict_of(254, answer=250, digits=0, absolute=0.5, relative=0.01) == ("close", None)

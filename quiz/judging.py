"""How a typed number is judged: the one place that says it, for the site, the terminal and the exports.

A numeric answer is compared with a list of bands, in order; the first band holding the value
gives the verdict:
  1. right: within the tolerance at the answer (absolute + relative * |answer|);
  2. one band per coded misconception: within the tolerance at the value that mistake gives;
  3. close ("check your rounding"): within ten times the tolerance of the answer, or rounding, to
     one decimal fewer than asked, to what the answer rounds to.
Anything else is wrong. The site's script (docs/javascripts/quiz.js) receives the bands as data and
only looks the value up; `gru-quiz run` calls `verdict` here; the exports write the bands as answers.
"""
import dataclasses
import re

# A value exactly on a band's edge counts despite binary rounding (0.7315 - 0.731 > 0.0005 in floats).
SLACK = 1e-9

NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
MINUSES = dict.fromkeys(map(ord, "\u2212\u2012\u2013\u2014\u2010\u2011\ufe63\uff0d"), "-")


class NotANumber(ValueError):
    pass


def parse_number(text):
    """The number a reader typed: 0.73, .73, 7.3e-1, +0.73, −0.73 (any Unicode minus), spaces around."""
    cleaned = str(text).strip().translate(MINUSES)
    if "," in cleaned:
        raise NotANumber("use a point for decimals and no thousands separators (0.731, not 0,731)")
    if not NUMBER.fullmatch(cleaned):
        raise NotANumber(f"{str(text).strip()!r} is not a number; write it like 0.731, .731, 7.31e-1 or −0.731")
    return float(cleaned)


@dataclasses.dataclass(frozen=True)
class Band:
    centre: float
    half_width: float  # as the question states it; the exports write these two
    verdict: str  # "right" | "misconception" | "close"
    misconception: str | None = None  # its name, for a misconception band

    @property
    def low(self):
        return self.centre - self.half_width - SLACK * max(1.0, abs(self.centre))

    @property
    def high(self):
        return self.centre + self.half_width + SLACK * max(1.0, abs(self.centre))

    def holds(self, value):
        return self.low <= value <= self.high


def tolerance_at(value, absolute, relative):
    return (absolute or 0.0) + (relative or 0.0) * abs(value)


def _around(centre, half_width, verdict, misconception=None):
    return Band(centre, half_width, verdict, misconception)


def bands(answer, digits, absolute=None, relative=None, wrong=None):
    """The ordered bands of a numeric question's version; `wrong` maps misconception name -> its value."""
    margin = tolerance_at(answer, absolute, relative)
    result = [_around(answer, margin, "right")]
    result += [_around(value, tolerance_at(value, absolute, relative), "misconception", name)
               for name, value in (wrong or {}).items()]
    if margin > 0:
        result.append(_around(answer, 10 * margin, "close"))
    if digits > 0:
        step = 10.0 ** -(digits - 1)
        result.append(_around(round(answer, digits - 1), step / 2, "close"))
    return result


def verdict(bands_, value):
    """The first band holding `value`, or None: wrong."""
    return next((band for band in bands_ if band.holds(value)), None)

"""Moodle's Cloze (multianswer) grammar and its numerical grading, ported to Python to
check what lstm-solve exports. Not Moodle's code: a port of its regular expressions.

Sources (moodle/moodle; the fork andrewnicols/moodle at the commit named, which
tracks Moodle's main branch):
- question/type/multianswer/questiontype.php, commit
  b70448bd5f99f25ae251a16cb2cea914d12448f7: the ANSWER_ALTERNATIVE_* and
  ANSWER_REGEX_* constants, qtype_multianswer_extract_question (the loop that
  finds each blank, leftmost first, and replaces it by {#N}) and
  qtype_multianswer_validate_question;
- question/format.php, qformat_default::split_category_path: how an imported category
  path is cut into names;
- question/type/numerical/question.php, moodle/moodle commit
  3536435e6ab8edd50ffb7ec7eed799ab12b31f28: qtype_numerical_answer::
  get_tolerance_interval (nominal tolerance, Moodle's default) and
  within_tolerance (min <= value <= max).

PHP's preg functions without the /u flag match bytes, so the patterns here are
bytes patterns over the UTF-8 text. Python's ``re`` needs fixed-width
look-behinds: PHP's ``(?<!\\\\|&|&amp;)`` is written as the equivalent
``(?<!\\\\)(?<!&)(?<!&amp;)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ANSWER_ALTERNATIVE regexes.
FRACTION = rb"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
ANSWER = rb".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
FEEDBACK = rb".*?(?<!\\)(?=[~}]|$)"
ALTERNATIVE = rb"(" + FRACTION + rb")?(" + ANSWER + rb")(#(" + FEEDBACK + rb"))?"
ALT_FRACTION, ALT_PERCENT, ALT_ANSWER, ALT_FEEDBACK = 1, 2, 3, 5

# NUMBER_REGEX and NUMERICAL_ALTERNATIVE_REGEX.
NUMBER = rb"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)"
NUMERICAL_ALTERNATIVE = rb"^(" + NUMBER + rb")(:" + NUMBER + rb")?$"
NUMERICAL_CORRECT_ANSWER, NUMERICAL_ABS_ERROR_MARGIN = 1, 6

TYPES = (rb"(NUMERICAL|NM)|(MULTICHOICE|MC)|(MULTICHOICE_V|MCV)|(MULTICHOICE_H|MCH)|"
         rb"(SHORTANSWER|SA|MW)|(SHORTANSWER_C|SAC|MWC)|"
         rb"(MULTICHOICE_S|MCS)|(MULTICHOICE_VS|MCVS)|(MULTICHOICE_HS|MCHS)|"
         rb"(MULTIRESPONSE|MR)|(MULTIRESPONSE_H|MRH)|(MULTIRESPONSE_S|MRS)|"
         rb"(MULTIRESPONSE_HS|MRHS)")
START = rb"\{([0-9]*):(" + TYPES + rb"):"
BLANK = START + rb"(" + ALTERNATIVE + rb"(~" + ALTERNATIVE + rb")*)\}"
REGEX_NORM, REGEX_NUMERICAL, REGEX_ALTERNATIVES = 1, 3, 16

PHP_PRECISION = 14  # PHP's ini "precision": Moodle's epsilon is 10^-precision


@dataclass
class Alternative:
    fraction: float
    answer: str
    tolerance: str | None  # numerical only: the text after the colon
    feedback: str | None


@dataclass
class Blank:
    text: str  # the whole {...} as found
    weight: str  # defaultmark, '1' when the number is left out
    numerical: bool
    alternatives: list[Alternative]


def extract(questiontext: str) -> tuple[list[Blank], str]:
    """The blanks Moodle finds in ``questiontext`` (the HTML, as stored), in order, and
    the text left with {#1}, {#2}, ... in their places."""
    text = questiontext.encode("utf-8")
    blank_re = re.compile(BLANK, re.DOTALL)
    alt_re = re.compile(rb"~?" + ALTERNATIVE, re.DOTALL)
    num_re = re.compile(NUMERICAL_ALTERNATIVE, re.DOTALL)
    blanks: list[Blank] = []
    position = 1
    while (m := blank_re.search(text)) is not None:
        numerical = bool(m.group(REGEX_NUMERICAL))
        weight = m.group(REGEX_NORM) if m.group(REGEX_NORM) else b"1"
        alternatives = []
        remaining = m.group(REGEX_ALTERNATIVES)
        while (a := alt_re.search(remaining)) is not None:
            if a.group(ALT_FRACTION) == b"=":
                fraction = 1.0
            elif a.group(ALT_PERCENT):
                fraction = 0.01 * float(a.group(ALT_PERCENT).replace(b",", b"."))
            else:
                fraction = 0.0
            feedback = a.group(ALT_FEEDBACK)
            answer = a.group(ALT_ANSWER)
            n = num_re.search(answer) if numerical else None
            if n is not None:
                alternatives.append(Alternative(
                    fraction, n.group(NUMERICAL_CORRECT_ANSWER).decode(),
                    n.group(NUMERICAL_ABS_ERROR_MARGIN).decode()
                    if n.group(NUMERICAL_ABS_ERROR_MARGIN) is not None else "0",
                    None if feedback is None else feedback.decode()))
            else:
                alternatives.append(Alternative(fraction, answer.decode(), None,
                                                None if feedback is None else feedback.decode()))
            remaining = remaining.split(a.group(0), 1)[1]
        blanks.append(Blank(m.group(0).decode(), weight.decode(), numerical, alternatives))
        text = text.replace(m.group(0), b"{#%d}" % position, 1)
        position += 1
    return blanks, text.decode("utf-8")


def validate(blanks: list[Blank]) -> list[str]:
    """qtype_multianswer_validate_question, for numerical blanks: an answer, valid numbers,
    and one alternative worth 100 %."""
    errors = []
    if not blanks:
        errors.append("questionsmissing")
    for k, b in enumerate(blanks, start=1):
        answers = [a for a in b.alternatives if a.answer.strip() != ""]
        if not answers:
            errors.append(f"sub_{k}: notenoughanswers")
        for a in answers:
            if b.numerical and not (is_valid_number(a.answer.strip()) or a.answer.strip() == "*"):
                errors.append(f"sub_{k}: answermustbenumberorstar")
        if not any(a.fraction == 1 for a in answers):
            errors.append(f"sub_{k}: fractionsnomax")
    return errors


def is_valid_number(x: str) -> bool:
    """What qtype_numerical accepts as a number without units (simplified: a plain decimal
    number with an optional exponent, point or comma as the decimal separator)."""
    return re.fullmatch(r"[+-]?(\d+[.,]?\d*|[.,]\d+)([eE][-+]?\d+)?", x) is not None


def within_tolerance(answer: str, tolerance: str, response: float) -> bool:
    """qtype_numerical_answer::within_tolerance with the nominal tolerance type."""
    value, tol = float(answer.replace(",", ".")), abs(float(tolerance.replace(",", ".")))
    epsilon = 10.0 ** -PHP_PRECISION
    tol = tol + epsilon * max(abs(tol), abs(value), epsilon)
    return value - tol <= response <= value + tol


def grade(blank: Blank, response: float) -> float:
    """The fraction a response earns: the first alternative whose interval holds it."""
    for a in blank.alternatives:
        if a.answer == "*" or within_tolerance(a.answer, a.tolerance or "0", response):
            return a.fraction
    return 0.0


def split_category_path(path: str) -> list[str]:
    """qformat_default::split_category_path (without PARAM_TEXT's tag stripping)."""
    return [raw.replace("//", "/").strip() for raw in re.split(r"(?<!/)/(?!/)", path)]

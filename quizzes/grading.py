"""Grading: pure functions from a frozen question (`spec`) and a response to a fraction in [0, 1].

A spec holds `type`, `points`, `answers` (each with a random `token`, `text`, `fraction`,
`match`, `tolerance`) and `units`. Responses name answers only by token, per type:
single_choice/true_false → token · multiple_response → [tokens] · numeric/short_text/calculated → text ·
ordering → [tokens, in order] · matching → {item token: target token} · essay → Markdown text
(a person grades it: rubrics.py).
"""

import re
import unicodedata

from . import labs
from .formulas import within_tolerance

MAX_TEXT = 200
MAX_SQL = 10_000
MAX_ESSAY = 20_000


class ResponseError(ValueError):
    """The response does not fit the question; the message says why."""


def fold_text(text):
    """Fold case, width (ＤＡＵ → dau) and runs of white space, for short-text matching."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def parse_number(text, units=()):
    """'1,234.5', '１５％', '15 %' → float, dropping one accepted unit; None if not a number."""
    # NFKC folds full-width digits and ＋/－, but not the minus sign U+2212 that phones and
    # word processors type
    value = unicodedata.normalize("NFKC", str(text)).strip().replace(",", "").replace(" ", "").replace("\u2212", "-")
    for unit in sorted((unicodedata.normalize("NFKC", u).replace(" ", "") for u in units), key=len, reverse=True):
        if unit and value.endswith(unit):
            value = value[: -len(unit)]
            break
    if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", value):
        return None
    return float(value)


def clean_response(spec, response):
    """Check a response's shape against the frozen question; raise ResponseError if wrong."""
    kind = spec["type"]
    tokens = {a["token"] for a in spec["answers"]}
    if kind in ("single_choice", "true_false"):
        if not isinstance(response, str) or response not in tokens:
            raise ResponseError("choice is not one of this question's choices")
        return response
    if kind == "multiple_response":
        if (not isinstance(response, list) or not all(isinstance(t, str) for t in response)
                or not set(response) <= tokens or len(set(response)) != len(response)):
            raise ResponseError("choices must be a list of this question's choices, each at most once")
        return sorted(response)
    if kind in TEXT_RESPONSES:
        return _clean_text(response, *TEXT_RESPONSES[kind])
    if kind == "ordering":
        if (not isinstance(response, list) or not all(isinstance(t, str) for t in response)
                or sorted(response) != sorted(tokens)):
            raise ResponseError("order must list every item of this question exactly once")
        return response
    if kind == "matching":
        targets = {a["target"] for a in spec["answers"]}
        tokens = {a["token"] for a in matching_items(spec)}
        if (not isinstance(response, dict) or not set(response) <= tokens
                or not all(isinstance(v, str) and v in targets for v in response.values())):
            raise ResponseError("pairs must map this question's items to its targets")
        return response
    raise ResponseError("unknown question type")


# Types answered in text: (what the messages call it, the most characters it may have).
TEXT_RESPONSES = {
    "numeric": ("answer", MAX_TEXT), "short_text": ("answer", MAX_TEXT), "calculated": ("answer", MAX_TEXT),
    "sql": ("a query", MAX_SQL), "essay": ("an essay", MAX_ESSAY),
}


def _clean_text(response, what, limit):
    if not isinstance(response, str) or len(response) > limit:
        raise ResponseError(f"{what} must be text of at most {limit} characters")
    if not _storable(response):
        raise ResponseError(f"{what} must not contain NUL characters or lone surrogates")
    return response


def _storable(text):
    """Whether both databases can store the text: PostgreSQL's jsonb refuses \\u0000, and a
    lone surrogate (JSON allows "\\ud800") is no UTF-8 at all."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def grade(spec, response):
    """The fraction of the question's points that `response` earns, in [0, 1]."""
    if response is None:
        return 0.0
    answers = spec["answers"]
    kind = spec["type"]
    by_token = {a["token"]: a for a in answers}
    if kind in ("single_choice", "true_false"):
        return _clamp(by_token[response]["fraction"]) if response in by_token else 0.0
    if kind == "multiple_response":
        return _clamp(sum(by_token[t]["fraction"] for t in set(response) if t in by_token))
    if kind in ("numeric", "short_text"):
        answer = matched_answer(spec, response)
        return _clamp(answer["fraction"]) if answer else 0.0
    if kind == "calculated":  # each answer's value was computed from the attempt's own numbers
        value = parse_number(response, spec.get("units", ()))
        if value is None:
            return 0.0
        return _clamp(max(
            (a["fraction"] for a in answers if within_tolerance(value, a["value"], a["tolerance"], a["kind"])),
            default=0.0,
        ))
    if kind == "sql":  # run on the lab's dataset in the read-only sandbox, compared with the reference
        return labs.grade(spec, response)
    if kind == "ordering":
        right = [a["token"] for a in answers]
        return sum(1 for given, wanted in zip(response, right) if given == wanted) / len(right)
    if kind == "matching":
        items = matching_items(spec)
        return sum(1 for a in items if response.get(a["token"]) == a["target"]) / len(items)
    return 0.0


def matching_items(spec):
    """A matching question's items: its answers less the distractors (a match without an item)."""
    return [a for a in spec["answers"] if a["text"].strip()]


ANY_ANSWER = "*"


def matched_answer(spec, response):
    """The answer a numeric or short-text response earns, as Moodle finds it: the best of the
    answers it matches, except that a wildcard answer (Moodle's `*`, "any other answer", or a
    short answer's `colo*r`) takes the response when no answer before it matched. None if
    nothing matches (a response that is no number matches nothing)."""
    if spec["type"] == "numeric":
        value = parse_number(response, spec.get("units", ()))
        if value is None:
            return None
        wildcard = lambda a: a["text"].strip() == ANY_ANSWER  # noqa: E731
        matches = lambda a: abs(value - parse_number(a["text"])) <= (a.get("tolerance") or 0) + 1e-9  # noqa: E731
    else:
        folded = fold_text(response)
        wildcard = lambda a: _has_wildcard(a["text"])  # noqa: E731
        matches = lambda a: fold_text(a["text"].replace("\\*", "*")) == folded  # noqa: E731
    best = None
    for answer in spec["answers"]:
        if wildcard(answer):
            if best is None and (spec["type"] == "numeric" or _glob_match(fold_text(answer["text"]), folded)):
                return answer
        elif matches(answer) and (best is None or answer["fraction"] > best["fraction"]):
            best = answer
    return best


_UNESCAPED_STAR = re.compile(r"(?<!\\)\*")


def _has_wildcard(text):
    return _UNESCAPED_STAR.search(text) is not None


def _glob_match(pattern, text):
    """Whether `text` matches `pattern`, where an unescaped `*` stands for any characters and
    `\\*` for an asterisk (Moodle's qtype_shortanswer::compare_string_with_wildcard). Matched
    piece by piece, leftmost first, which is linear for each piece: a regular expression of
    `.*` runs backtracks exponentially on an answer like `a*a*a*a*b`."""
    pieces = [piece.replace("\\*", "*") for piece in _UNESCAPED_STAR.split(pattern)]
    if len(pieces) == 1:
        return pieces[0] == text
    first, *middle, last = pieces
    if not text.startswith(first) or not text.endswith(last) or len(text) < len(first) + len(last):
        return False
    position, end = len(first), len(text) - len(last)
    for piece in middle:
        found = text.find(piece, position, end)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def right_answer(spec):
    """What a reviewer is shown as the right answer, in the response format."""
    kind = spec["type"]
    answers = spec["answers"]
    if kind in ("single_choice", "true_false"):
        return max(answers, key=lambda a: a["fraction"])["token"]
    if kind == "multiple_response":
        return sorted(a["token"] for a in answers if a["fraction"] > 0)
    if kind in ("numeric", "short_text"):  # a literal answer, not a wildcard, where there is one
        literal = [a for a in answers if not (a["text"].strip() == ANY_ANSWER or _has_wildcard(a["text"]))]
        return max(literal or answers, key=lambda a: a["fraction"])["text"]
    if kind in ("calculated", "sql"):
        return max(answers, key=lambda a: a["fraction"])["text"]
    if kind == "ordering":
        return [a["token"] for a in answers]
    if kind == "matching":
        return {a["token"]: a["target"] for a in matching_items(spec)}
    return None


def _clamp(fraction):
    return min(1.0, max(0.0, float(fraction)))

"""Grading functions: properties that hold for any question and response (hypothesis)."""

import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from quizzes.grading import ResponseError, clean_response, fold_text, grade, parse_number, right_answer

TOKENS = [f"t{i}" for i in range(8)]


@st.composite
def choice_specs(draw, kind="multiple_response"):
    n = draw(st.integers(2, 8))
    tokens = TOKENS[:n]
    right = draw(st.lists(st.sampled_from(tokens), min_size=1, max_size=n, unique=True))
    wrong_penalty = draw(st.sampled_from([0, -0.25, -0.5, -1]))
    fractions = {t: (1 / len(right) if t in right else wrong_penalty) for t in tokens}
    answers = [{"token": t, "text": t, "fraction": fractions[t], "feedback": ""} for t in tokens]
    return {"type": kind, "points": 1, "answers": answers, "order": tokens}


@given(spec=choice_specs(), data=st.data())
def test_multiple_response_scores_stay_between_zero_and_one(spec, data):
    picked = data.draw(st.lists(st.sampled_from(spec["order"]), unique=True))
    assert 0 <= grade(spec, clean_response(spec, picked)) <= 1


@given(spec=choice_specs(), data=st.data())
def test_order_of_picks_does_not_matter(spec, data):
    picked = data.draw(st.lists(st.sampled_from(spec["order"]), unique=True))
    shuffled = data.draw(st.permutations(picked))
    assert grade(spec, clean_response(spec, picked)) == grade(spec, clean_response(spec, list(shuffled)))


@given(spec=choice_specs())
def test_partial_credit_adds_up_to_full_marks(spec):
    """Each right pick alone earns its share; together they earn exactly 1."""
    right = right_answer(spec)
    assert math.isclose(sum(grade(spec, [t]) for t in right), 1)
    assert math.isclose(grade(spec, right), 1)


@given(spec=choice_specs(), data=st.data())
def test_a_wrong_pick_never_raises_the_score(spec, data):
    right = right_answer(spec)
    wrong = [t for t in spec["order"] if t not in right]
    assume(wrong)
    extra = data.draw(st.sampled_from(wrong))
    assert grade(spec, right + [extra]) <= grade(spec, right)


@given(n=st.integers(2, 8), data=st.data())
def test_ordering_scores_count_items_in_place(n, data):
    tokens = TOKENS[:n]
    spec = {"type": "ordering", "points": 2, "answers": [{"token": t, "text": t, "fraction": 0} for t in tokens]}
    given_order = list(data.draw(st.permutations(tokens)))
    score = grade(spec, clean_response(spec, given_order))
    assert 0 <= score <= 1
    assert math.isclose(score * n, sum(a == b for a, b in zip(given_order, tokens)))


@given(n=st.integers(2, 6), data=st.data())
def test_matching_scores_count_right_pairs(n, data):
    answers = [{"token": f"l{i}", "target": f"r{i}", "text": str(i), "match": str(i), "fraction": 0} for i in range(n)]
    spec = {"type": "matching", "points": 1, "answers": answers}
    chosen = data.draw(st.lists(st.sampled_from([f"r{i}" for i in range(n)]), min_size=n, max_size=n))
    response = {f"l{i}": target for i, target in enumerate(chosen)}
    score = grade(spec, clean_response(spec, response))
    assert math.isclose(score * n, sum(response[f"l{i}"] == f"r{i}" for i in range(n)))


@settings(max_examples=200)
@given(value=st.floats(-1e6, 1e6, allow_nan=False), tolerance=st.floats(0, 100), offset=st.floats(-200, 200))
def test_numeric_answers_within_tolerance_get_full_marks(value, tolerance, offset):
    spec = {"type": "numeric", "points": 1, "units": ["%"],
            "answers": [{"token": "a", "text": repr(value), "fraction": 1, "tolerance": tolerance}]}
    typed = value + offset
    expected = 1.0 if abs(offset) <= tolerance - 1e-6 else (0.0 if abs(offset) > tolerance + 1e-6 else None)
    assume(expected is not None)
    assert grade(spec, repr(typed) + "%") == expected


def test_numbers_are_read_the_way_people_type_them():
    assert parse_number("1,234.5") == 1234.5
    assert parse_number("１５％", ["%"]) == 15
    assert parse_number("15 %", ["%"]) == 15
    assert parse_number("3600元", ["元"]) == 3600
    assert parse_number("−608") == parse_number("－608") == -608  # the minus sign and the full-width hyphen
    assert parse_number("fifteen") is None
    assert parse_number("15 apples", ["%"]) is None


def test_short_text_folds_case_width_and_spaces():
    spec = {"type": "short_text", "points": 1, "answers": [{"token": "a", "text": "dau", "fraction": 1}]}
    for typed in ["ＤＡＵ", "DAU", " d a u ".replace(" ", ""), "  Dau  "]:
        assert grade(spec, typed) == 1
    assert fold_text("Daily  Active\tUsers") == "daily active users"
    assert grade(spec, "mau") == 0


def test_responses_of_the_wrong_shape_are_errors():
    spec = {"type": "single_choice", "points": 1, "answers": [{"token": "a", "text": "x", "fraction": 1}]}
    for bad in [["a"], {"a": 1}, 3, None, "b"]:
        try:
            clean_response(spec, bad)
        except ResponseError:
            continue
        raise AssertionError(f"{bad!r} was accepted")

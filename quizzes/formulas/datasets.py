"""Wildcard datasets (Moodle's dataset definitions): validation, seeded draws, the authoring check."""

import itertools
import math
import random
import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from quizzes.formulas.display import format_answer
from quizzes.formulas.expressions import LIMIT, NAME, FormulaError, parse, round_half_up

MAX_DECIMALS = 10
MAX_ITEMS = 100
CHECK_DRAWS = 200
CHECK_COMBINATIONS = 256


# --- Datasets --------------------------------------------------------------------------------


@dataclass
class Dataset:
    """Moodle's dataset definition for one wildcard: values drawn from a range, or from `items`.

    A range draws a value with `decimals` places, uniform over those values or log-uniform
    (evenly spread orders of magnitude, for sizes like visitors per month); `items` replaces the
    range with a fixed list to pick from.
    """

    name: str
    minimum: float
    maximum: float
    decimals: int = 0
    distribution: str = "uniform"
    items: list | None = None


def _number(value):
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _grid(dataset):
    """The smallest and largest value of the range with `decimals` places, as whole numbers of steps."""
    low = round_half_up(dataset.minimum, dataset.decimals, ROUND_CEILING).scaleb(dataset.decimals)
    high = round_half_up(dataset.maximum, dataset.decimals, ROUND_FLOOR).scaleb(dataset.decimals)
    return int(low), int(high)


def dataset_errors(dataset):
    """What is wrong with `dataset`, as messages naming its wildcard; empty when it can be drawn from."""
    name = f"{{{dataset.name}}}"
    if not isinstance(dataset.name, str) or not re.fullmatch(NAME, dataset.name):
        return [f"{name}: a wildcard name is a letter or _ followed by letters, digits or _"]
    if isinstance(dataset.decimals, bool) or not isinstance(dataset.decimals, int) \
            or not 0 <= dataset.decimals <= MAX_DECIMALS:
        return [f"{name}: decimals must be a whole number from 0 to {MAX_DECIMALS}"]
    if dataset.items is not None:
        return _items_errors(name, dataset)
    errors = []
    if dataset.distribution not in ("uniform", "loguniform"):
        errors.append(f"{name}: distribution must be uniform or loguniform, not {dataset.distribution!r}")
    if not (_number(dataset.minimum) and _number(dataset.maximum)):
        return errors + [f"{name}: minimum and maximum must be finite numbers"]
    if max(abs(dataset.minimum), abs(dataset.maximum)) > LIMIT:
        return errors + [f"{name}: minimum and maximum must be within ±1e15"]
    if dataset.minimum > dataset.maximum:
        return errors + [f"{name}: minimum {dataset.minimum:g} is above maximum {dataset.maximum:g}"]
    if dataset.distribution == "loguniform" and dataset.minimum <= 0:
        errors.append(f"{name}: a log-uniform range needs a minimum above 0")
    low, high = _grid(dataset)
    if low > high:
        errors.append(f"{name}: no value with {dataset.decimals} decimals lies between the minimum and maximum")
    return errors


def _items_errors(name, dataset):
    items = dataset.items
    if not isinstance(items, (list, tuple)) or not 1 <= len(items) <= MAX_ITEMS:
        return [f"{name}: items must be a list of 1 to {MAX_ITEMS} numbers"]
    errors = []
    for item in items:
        if not _number(item) or abs(item) > LIMIT:
            errors.append(f"{name}: item {item!r} is not a finite number within ±1e15")
        elif round_half_up(item, dataset.decimals) != Decimal(repr(float(item))):
            errors.append(f"{name}: item {item!r} has more than {dataset.decimals} decimals")
    return errors


def _draw_one(dataset, rng):
    if dataset.items is not None:
        return float(rng.choice(dataset.items))
    low, high = _grid(dataset)
    if dataset.distribution == "loguniform":
        raw = math.exp(rng.uniform(math.log(dataset.minimum), math.log(dataset.maximum)))
        steps = min(max(int(round_half_up(raw, dataset.decimals).scaleb(dataset.decimals)), low), high)
    else:
        steps = rng.randint(low, high)
    return float(Decimal(steps).scaleb(-dataset.decimals))


def draw(datasets, rng):
    """One value per dataset ({name: value}), each with its dataset's decimals, drawn with `rng`.

    `rng` is a `random.Random`: seed it to draw the same values again (an attempt's variant).
    """
    return {dataset.name: _draw_one(dataset, rng) for dataset in datasets}


# --- Authoring check -------------------------------------------------------------------------


def _range_values(dataset):
    """The values worth trying first: the range's ends, and 0, 1 and -1 when they can be drawn."""
    if dataset.items is not None:
        return sorted(set(map(float, dataset.items)))
    low, high = _grid(dataset)
    steps = {low, high} | {s * 10**dataset.decimals for s in (-1, 0, 1)}
    return sorted(float(Decimal(s).scaleb(-dataset.decimals)) for s in steps if low <= s <= high)


def _corners(datasets):
    """Combinations of each wildcard's interesting values: all of them if few, else the ends only."""
    choices = [_range_values(d) for d in datasets]
    if math.prod(map(len, choices)) > CHECK_COMBINATIONS:
        choices = [sorted({c[0], c[-1]}) for c in choices]
    return itertools.islice(itertools.product(*choices), CHECK_COMBINATIONS * 4)


def _describe(values, datasets):
    return ", ".join(
        f"{{{d.name}}}={format_answer(values[d.name], fmt='decimals', length=d.decimals)}" for d in datasets
    )


def check_formula(formula, datasets):
    """Problems with `formula` over its datasets' ranges, as messages naming the values that break it.

    The formula is evaluated at the corners of the ranges (every combination of each wildcard's
    ends, plus 0 and ±1 where drawable; every item of short item lists) and at CHECK_DRAWS seeded
    random draws, so the same question always gets the same verdict.
    """
    try:
        parsed = parse(formula)
    except FormulaError as exc:
        return [str(exc)]
    by_name = {d.name: d for d in datasets}
    missing = sorted(parsed.wildcards - by_name.keys())
    if missing:
        return [f"unknown wildcard {{{name}}}: no dataset defines it" for name in missing]
    used = [by_name[name] for name in sorted(parsed.wildcards)]
    errors = [error for d in used for error in dataset_errors(d)]
    if errors:
        return errors
    rng = random.Random(0)
    combos = itertools.chain(
        (dict(zip([d.name for d in used], corner)) for corner in _corners(used)),
        (draw(used, rng) for _ in range(CHECK_DRAWS)),
    )
    problems = {}
    for values in combos:
        try:
            parsed.evaluate(values)
        except FormulaError as exc:
            problems.setdefault(str(exc), f"{exc} when {_describe(values, used)}" if used else str(exc))
    return list(problems.values())

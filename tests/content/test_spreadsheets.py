"""Spreadsheet cells never start a formula (OWASP "CSV injection"), full-width forms included;
numbers, booleans and dates stay what they are."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from content.spreadsheets import csv_cell, escape_formula, looks_like_formula

STARTS = ["=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠"]


@pytest.mark.parametrize("start", STARTS, ids=repr)
def test_text_that_could_run_gets_a_leading_quote(start):
    text = start + "HYPERLINK(\"http://evil.example\")"
    assert looks_like_formula(text)
    assert escape_formula(text) == csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Li Ming", "李明", " =1", "1+1", "a=b", "", "'quoted"])
def test_other_text_is_left_alone(text):
    assert not looks_like_formula(text) and csv_cell(text) == escape_formula(text) == text


@pytest.mark.parametrize("value", [-1, -0.25, Decimal("-3.50"), True, date(2026, 1, 2), datetime(2026, 1, 2, 3, 4)])
def test_numbers_booleans_and_dates_stay_values(value):
    assert csv_cell(value) is value


def test_none_is_empty_and_other_values_are_escaped_text():
    assert csv_cell(None) == ""
    assert csv_cell(["=a", "b"]) == "'=a, b"
    assert csv_cell(type("Name", (), {"__str__": lambda self: "＝cmd"})()) == "'＝cmd"

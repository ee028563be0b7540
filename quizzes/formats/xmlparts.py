"""Moodle XML's pieces that every question type reads and writes: child texts, numbers, grades,
feedback, units, and the `<text>`-wrapped elements and answers of an export."""

import re
from xml.etree.ElementTree import SubElement

from django.utils.translation import gettext

from .common import NOT_A_NUMBER, FormatError, Skip, check_percent, from_moodle, parse_decimal

INVALID_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# Reading ------------------------------------------------------------------------------------

def text_at(element, path):
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def formatted(element, tag, default_format):
    found = element.find(tag)
    if found is None:
        return "", default_format
    return text_at(found, "text"), found.get("format", default_format)


def number_at(document, element, text):
    number = parse_decimal(text)
    if number is None:
        raise FormatError(document.where(element), NOT_A_NUMBER() % {"text": str(text).strip()})
    return number


def fraction_of(document, answer):
    return check_percent(answer.get("fraction", "0"), document.where(answer))


def feedback_of(answer, text_format):
    feedback, feedback_format = formatted(answer, "feedback", text_format)
    return from_moodle(feedback, feedback_format, plain=True)


def units_of(document, element):
    units = []
    for unit in element.findall("units/unit"):
        if number_at(document, unit, text_at(unit, "multiplier") or "1") != 1:
            raise Skip(gettext("units with a multiplier other than 1 are not supported"))
        units.append(text_at(unit, "unit_name"))
    return ", ".join(u for u in units if u)


# Writing ------------------------------------------------------------------------------------

def with_text(parent, tag, text, **attributes):
    element = SubElement(parent, tag, attributes)
    SubElement(element, "text").text = INVALID_XML.sub("", text)
    return element


def leaf(parent, tag, text):
    SubElement(parent, tag).text = text


def write_answer(parent, answer, fraction, extra=None):
    element = with_text(parent, "answer", answer["text"], fraction=fraction, format="plain_text")
    if extra:
        extra(element)
    with_text(element, "feedback", answer["feedback"], format="plain_text")


def write_units(element, units):
    if units:
        container = SubElement(element, "units")
        for name in units:
            unit = SubElement(container, "unit")
            leaf(unit, "multiplier", "1")
            leaf(unit, "unit_name", name)

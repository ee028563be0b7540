"""Aiken (docs.moodle.org/en/Aiken_format): single-choice questions in plain text, read the way
Moodle's qformat_aiken reads them.

    Which metric counts users active on a day?
    A. MAU
    B) DAU
    ANSWER: B

The question text, then one choice a line (a capital letter, `.` or `)`, the text), then
`ANSWER: <letter>`. Where Moodle prints an error and carries on, we stop at the line: a
choice before any question, fewer than two choices, a question never given its ANSWER line,
or an ANSWER naming no choice. Question text may run over several lines (Moodle wants one).

Aiken holds nothing but single choice, so an essay (or any other type) has no Aiken form. We
read Aiken but do not write it: banks are exported as GIFT or Moodle XML, which hold every type.
"""

import re

from django.utils.translation import gettext

from .common import FormatError, ParseResult, at_line

_CHOICE = re.compile(r"^([A-Z])[.)]\s*(.*)$")
_ANSWER = re.compile(r"^ANSWER:\s*(.*)$")


def parse(text):
    result, question = ParseResult(), None
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        choice, answer = _CHOICE.match(line), _ANSWER.match(line)
        if answer:
            result.questions.append(_finish(question, answer.group(1).strip(), number))
            question = None
        elif choice:
            if question is None:
                raise FormatError(at_line(number), gettext("a choice before any question text"))
            question["choices"].append((choice.group(1), choice.group(2).strip()))
        elif question is not None and question["choices"]:
            raise FormatError(at_line(number), gettext("the question on line %(line)s has no 'ANSWER:' line before "
                                                    "the next question") % {"line": question["line"]})
        elif question is None:
            question = {"line": number, "stem": [line], "choices": []}
        else:
            question["stem"].append(line)
    if question is not None:
        raise FormatError(at_line(question["line"]), gettext("this question has no 'ANSWER:' line"))
    return result


def _finish(question, letter, number):
    if question is None:
        raise FormatError(at_line(number), gettext("'ANSWER:' without a question before it"))
    labels = [label for label, _ in question["choices"]]
    if len(labels) < 2:
        raise FormatError(at_line(question["line"]), gettext("a question needs at least two choices"))
    if len(set(labels)) != len(labels):
        raise FormatError(at_line(question["line"]), gettext("two choices have the same letter"))
    if letter not in labels:
        raise FormatError(at_line(number), gettext("'ANSWER: %(letter)s' names none of the choices %(choices)s")
                          % {"letter": letter, "choices": ", ".join(labels)})
    return {
        "key": "",
        "name": "",
        "where": at_line(question["line"]),
        "type": "single_choice",
        "stem": "\n".join(question["stem"]),
        "explanation": "",
        "answers": [{"text": text, "fraction": 1 if label == letter else 0} for label, text in question["choices"]],
    }

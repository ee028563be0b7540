"""Moodle question files in and out: GIFT, Moodle XML and Aiken (quizzes/formats, quizzes/importing)."""

import textwrap
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from wagtail.models import Locale, Revision

from quizzes.formats import FormatError, gift, moodlexml
from quizzes.importing import bank_questions, export_bank, import_questions, unexportable
from quizzes.models import Question, QuestionBank
from quizzes.questions import normalise, write_question


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English; the site's default language is Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture
def zh(db):
    return Locale.objects.get(language_code="zh-hans")


@pytest.fixture
def en(db):
    return Locale.objects.get_or_create(language_code="en")[0]


@pytest.fixture
def bank(db):
    return QuestionBank.objects.create(slug="ops", title="Operations")


def _gift(text):
    return textwrap.dedent(text).lstrip()


def _database_state():
    """Everything an import could write: banks, questions, answers, tags and revisions."""
    questions = sorted(
        (q.bank.slug, q.key, q.locale_id, q.stem, q.latest_revision_id,
         tuple(q.answers.values_list("text", "fraction", "feedback")), tuple(sorted(q.tags.names())))
        for q in Question.objects.select_related("bank")
    )
    return list(QuestionBank.objects.values_list("slug", flat=True)), questions, Revision.objects.count()


def _by_key(bank, locale):
    return {q["key"]: q for q in bank_questions(bank, locale)}


def _answers(question, *fields):
    return [tuple(a[f] for f in fields) for a in question["answers"]]


# GIFT ---------------------------------------------------------------------------------------

GIFT_ALL_TYPES = _gift(r"""
    // Exported from a Moodle course.
    $CATEGORY: $course$/top/Default for OPS/Growth

    // [id:ops-churn]
    // [tag:retention]
    ::Churn::[markdown]Churn is the share of users **lost** in a period.{TRUE#No: that is retention.#Yes.####Churn + retention \= 100%.}

    ::Core duty::Which is **not** a core duty of operations?{
        =Server maintenance#Engineering does that.
        ~%-50%Campaigns#It is a duty.
        ~User care
    }

    ::Retention tactics::Which two are retention tactics?{
        ~%50%Points
        ~%50%Community
        ~%-100%Buying traffic#That is acquisition.
    }

    ::DAU::Abbreviation of daily active users?{=DAU =%50%D.A.U.#Close: no dots.}

    ::Growth rate::Growth from 80 to 92, in percent?{#15:0.5}

    ::Any digit::Type a number from 1 to 5.{#1..5}

    ::Families::Match each metric to its family.{
        =Retention -> User growth
        =Market share -> Commercial
    }
    """)  # noqa: E501 (a question's lines as Moodle writes them)


def test_gift_imports_every_supported_type_with_fractions_and_feedback(bank, zh):
    """Multichoice (single and multiple), true/false, short answer, numerical and matching."""
    report = import_questions(bank, zh, GIFT_ALL_TYPES, "gift")
    assert report.summary() == "Imported 7 questions, skipped 0"
    questions = _by_key(bank, zh)
    assert {q["key"]: q["type"] for q in questions.values()} == {
        "ops-churn": "true_false",
        "ops-core-duty": "single_choice",
        "ops-retention-tactics": "multiple_response",
        "ops-dau": "short_text",
        "ops-growth-rate": "numeric",
        "ops-any-digit": "numeric",
        "ops-families": "matching",
    }
    churn = questions["ops-churn"]
    assert churn["stem"] == "Churn is the share of users **lost** in a period."
    assert churn["explanation"] == "Churn + retention = 100%."
    assert _answers(churn, "text", "fraction", "feedback") == [
        ("true", 1, "Yes."), ("false", 0, "No: that is retention.")]
    assert _answers(questions["ops-core-duty"], "text", "fraction", "feedback") == [
        ("Server maintenance", 1, "Engineering does that."), ("Campaigns", -0.5, "It is a duty."), ("User care", 0, "")]
    assert _answers(questions["ops-retention-tactics"], "fraction", "feedback") == [
        (0.5, ""), (0.5, ""), (-1, "That is acquisition.")]
    assert _answers(questions["ops-dau"], "text", "fraction", "feedback") == [
        ("DAU", 1, ""), ("D.A.U.", 0.5, "Close: no dots.")]
    assert _answers(questions["ops-growth-rate"], "text", "tolerance") == [("15", 0.5)]
    assert _answers(questions["ops-families"], "text", "match") == [
        ("Retention", "User growth"), ("Market share", "Commercial")]
    assert questions["ops-churn"]["skills"] == ["Growth", "retention"]  # the tag and the category
    assert questions["ops-dau"]["skills"] == ["Growth"]


def test_gift_numerical_ranges_become_a_midpoint_with_tolerance(bank, zh):
    text = _gift("""
        ::Range::From 1 to 5?{#1..5}

        ::Decimals::Between 0.1 and 0.3?{#0.1..0.3}

        ::Partial::Pi?{#
            =3.14:0.005#Good.
            =%50%3.1:0.05#Roughly.
        }
        """)
    import_questions(bank, zh, text, "gift")
    questions = _by_key(bank, zh)
    assert _answers(questions["ops-range"], "text", "tolerance", "fraction") == [("3", 2, 1)]
    assert _answers(questions["ops-decimals"], "text", "tolerance") == [("0.2", 0.1)]
    assert _answers(questions["ops-partial"], "text", "tolerance", "fraction", "feedback") == [
        ("3.14", 0.005, 1, "Good."), ("3.1", 0.05, 0.5, "Roughly.")]


def test_gift_escapes_newlines_missing_words_and_text_formats(bank, zh):
    text = _gift(r"""
        ::Escapes::Is a \{brace\}, \= \# \~ and a\: colon\nkept?{=Yes \= yes#It \#is.~No}

        Grant is {~buried =entombed ~living} in Grant's tomb.

        ::Html::[html]<p>Pick <b>one</b>.</p>{=<p>A &amp; B</p> ~C}
        """)
    import_questions(bank, zh, text, "gift")
    questions = list(bank_questions(bank, zh))
    stems = {q["stem"]: q for q in questions}
    escapes = stems["Is a {brace}, = # ~ and a: colon\nkept?"]
    assert _answers(escapes, "text", "feedback") == [("Yes = yes", "It #is."), ("No", "")]
    assert "Grant is _____ in Grant's tomb." in stems
    html = stems["Pick **one**."]
    assert _answers(html, "text") == [("A & B",), ("C",)]


def test_gift_skips_what_it_cannot_hold_and_names_each_with_its_reason(bank, zh):
    text = _gift("""
        ::Essay::Describe your last campaign.{}

        ::Intro::This part covers metrics.

        ::Distractor::Match.{=a -> 1 =b -> 2 = -> 3}

        ::Kept::Right?{T}
        """)
    report = import_questions(bank, zh, text, "gift")
    assert report.summary() == "Imported 3 questions, skipped 1"
    assert report.skipped == [
        ("'Intro' (line 3)", "a description is not a question: it has no answers to grade"),
    ]
    assert sorted(Question.objects.values_list("key", "question_type")) == [
        ("ops-distractor", "matching"), ("ops-essay", "essay"), ("ops-kept", "true_false")]


@pytest.mark.parametrize("text, where, message", [
    ("::A::Fine?{T}\n\n::B::Unclosed {\n=yes\n~no\n\n::C::More?{T}\n",
     "line 3", "'{' opens the answers but no '}' closes them"),
    ("::A::Fine?{T}\n\n::B::Which?{\n=yes\n~%33%no\n}\n", "line 5", "'33%' is not a grade Moodle accepts"),
    ("::A::Shout?{=%120%YES}\n", "line 1", "'120%' is not a grade Moodle accepts"),
    ("::A::Fine?{T}\n::B::No blank line between?{T}\n", "line 2", "a question has one answer block in braces"),
    ("::Untitled Which?{=a ~b}\n", "line 1", "the title opened with '::' is never closed"),
    ("::N::How many?{#ten}\n", "line 1", "'ten' is not a number"),
    ("::N::Backwards?{#5..1}\n", "line 1", "the range 5..1 runs backwards"),
])
def test_gift_malformed_files_name_the_line_and_write_nothing(bank, zh, text, where, message):
    before = _database_state()
    with pytest.raises(FormatError) as error:
        import_questions(bank, zh, text, "gift")
    assert error.value.where == where and message in error.value.message
    assert _database_state() == before


def test_a_question_our_rules_refuse_stops_the_whole_import_at_its_line(bank, zh):
    """Two right answers for a single choice: the first questions are not written either."""
    text = _gift("""
        ::First::Fine?{T}

        ::Second::Also fine?{=a ~b}

        ::Third::Two right answers?{=a =b ~c}
        """)
    before = _database_state()
    with pytest.raises(FormatError) as error:
        import_questions(bank, zh, text, "gift")
    assert error.value.where == "line 5"
    assert "question 'Third'" in error.value.message and "Only one choice may have fraction 1" in error.value.message
    assert _database_state() == before


# Moodle XML ---------------------------------------------------------------------------------

XML_ALL_TYPES = textwrap.dedent("""\
    <?xml version="1.0" encoding="UTF-8"?>
    <quiz>
      <question type="category">
        <category><text>$course$/top/Default for OPS/Metrics</text></category>
      </question>
      <question type="multichoice">
        <name><text>Core duty</text></name>
        <questiontext format="html"><text><![CDATA[<p dir="ltr">Which is <strong>not</strong> a core duty?<br></p>]]></text></questiontext>
        <generalfeedback format="html"><text><![CDATA[<p>Operations runs the product, not the servers.</p>]]></text></generalfeedback>
        <defaultgrade>2.0000000</defaultgrade>
        <idnumber>duty</idnumber>
        <single>true</single>
        <answer fraction="100" format="html"><text><![CDATA[<p>Server maintenance</p>]]></text>
          <feedback format="html"><text><![CDATA[<p>Engineering &amp; IT do that.</p>]]></text></feedback></answer>
        <answer fraction="-33.33333" format="html"><text>Campaigns</text><feedback format="html"><text></text></feedback></answer>
        <answer fraction="0" format="html"><text>User care</text></answer>
        <tags><tag><text>basics</text></tag></tags>
      </question>
      <question type="multichoice">
        <name><text>Tactics</text></name>
        <questiontext format="markdown"><text>Which are *retention* tactics?</text></questiontext>
        <single>false</single>
        <answer fraction="33.33333"><text>Points</text></answer>
        <answer fraction="33.33333"><text>Community</text></answer>
        <answer fraction="33.33333"><text>Check-ins</text></answer>
        <answer fraction="-100"><text>Ads</text><feedback><text>Acquisition.</text></feedback></answer>
      </question>
      <question type="truefalse">
        <name><text>Churn</text></name>
        <questiontext format="moodle_auto_format"><text>Churn is lost users.</text></questiontext>
        <answer fraction="100"><text>true</text><feedback><text>Yes.</text></feedback></answer>
        <answer fraction="0"><text>false</text><feedback><text>It is.</text></feedback></answer>
      </question>
      <question type="shortanswer">
        <name><text>DAU</text></name>
        <questiontext format="html"><text>Daily active users, abbreviated?</text></questiontext>
        <usecase>0</usecase>
        <answer fraction="100"><text>DAU</text></answer>
        <answer fraction="50"><text>D.A.U.</text><feedback format="html"><text>No dots.</text></feedback></answer>
      </question>
      <question type="numerical">
        <name><text>Growth</text></name>
        <questiontext format="html"><text>Growth from 80 to 92?</text></questiontext>
        <answer fraction="100"><text>15</text><tolerance>0.5</tolerance><feedback><text>Right.</text></feedback></answer>
        <answer fraction="0"><text>*</text><tolerance>0</tolerance><feedback><text></text></feedback></answer>
        <units><unit><multiplier>1</multiplier><unit_name>%</unit_name></unit></units>
      </question>
      <question type="matching">
        <name><text>Families</text></name>
        <questiontext format="html"><text>Match each metric.</text></questiontext>
        <subquestion format="html"><text><![CDATA[<p>Retention</p>]]></text><answer><text>User growth</text></answer></subquestion>
        <subquestion format="html"><text>Market share</text><answer><text>Commercial</text></answer></subquestion>
        <subquestion format="html"><text></text><answer><text></text></answer></subquestion>
      </question>
      <question type="ordering">
        <name><text>Loop</text></name>
        <questiontext format="html"><text>Order the loop.</text></questiontext>
        <answer fraction="2" format="html"><text>Execution</text></answer>
        <answer fraction="1" format="html"><text>Strategy</text></answer>
        <answer fraction="3" format="html"><text>Monitoring</text></answer>
      </question>
      <question type="essay">
        <name><text>Reflection</text></name>
        <questiontext format="html"><text>Describe a campaign.</text></questiontext>
      </question>
      <question type="cloze">
        <name><text>Cloze</text></name>
        <questiontext format="html"><text>DAU means {1:SHORTANSWER:=daily active users}.</text></questiontext>
      </question>
      <question type="description">
        <name><text>Intro</text></name>
        <questiontext format="html"><text>About metrics.</text></questiontext>
      </question>
      <question type="calculated">
        <name><text>Formula</text></name>
        <questiontext format="html"><text>{a} + {b}?</text></questiontext>
      </question>
    </quiz>
    """)  # noqa: E501 (Moodle's lines as it writes them; the tests name their line numbers)


def test_moodle_xml_imports_every_supported_type(bank, zh):
    report = import_questions(bank, zh, XML_ALL_TYPES, "moodlexml")
    assert report.summary() == "Imported 8 questions, skipped 3"
    questions = _by_key(bank, zh)
    duty = questions["ops-duty"]
    assert (duty["type"], duty["stem"], duty["points"]) == (
        "single_choice", "Which is **not** a core duty?", Decimal("2")
    )
    assert duty["explanation"] == "Operations runs the product, not the servers."
    assert _answers(duty, "text", "fraction", "feedback") == [
        ("Server maintenance", 1, "Engineering & IT do that."), ("Campaigns", -0.33333, ""), ("User care", 0, "")]
    assert duty["skills"] == ["Metrics", "basics"]
    tactics = questions["ops-tactics"]
    assert tactics["type"] == "multiple_response" and tactics["stem"] == "Which are *retention* tactics?"
    assert _answers(tactics, "fraction", "feedback") == [
        (0.33333, ""), (0.33333, ""), (0.33333, ""), (-1, "Acquisition.")]
    assert _answers(questions["ops-churn"], "text", "fraction", "feedback") == [
        ("true", 1, "Yes."), ("false", 0, "It is.")]
    assert _answers(questions["ops-dau"], "text", "fraction", "feedback") == [
        ("DAU", 1, ""), ("D.A.U.", 0.5, "No dots.")]
    growth = questions["ops-growth"]
    assert _answers(growth, "text", "tolerance", "feedback") == [("15", 0.5, "Right.")] and growth["units"] == "%"
    assert _answers(questions["ops-families"], "text", "match") == [
        ("Retention", "User growth"), ("Market share", "Commercial")]
    loop = questions["ops-loop"]
    assert loop["type"] == "ordering" and _answers(loop, "text") == [("Strategy",), ("Execution",), ("Monitoring",)]
    reflection = questions["ops-reflection"]
    assert (reflection["type"], reflection["stem"], reflection["answers"]) == ("essay", "Describe a campaign.", [])


def test_moodle_xml_names_each_skipped_question_with_its_reason(bank, zh):
    report = import_questions(bank, zh, XML_ALL_TYPES, "moodlexml")
    assert report.skipped == [
        ("'Cloze' (line 66 <question type=\"cloze\">)", "embedded-answer (cloze) questions are not supported"),
        ("'Intro' (line 70 <question type=\"description\">)",
         "a description is not a question: it has no answers to grade"),
        ("'Formula' (line 74 <question type=\"calculated\">)",
         "a calculated question needs a dataset for each wildcard"),
    ]


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<quiz><question type="shortanswer"><name><text>&lol3;</text></name></question></quiz>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="shortanswer"><questiontext><text>&secret;</text></questiontext>
<answer fraction="100"><text>x</text></answer></question></quiz>
"""


@pytest.mark.parametrize("text, where, message", [
    ("<quiz>\n<question type='truefalse'>\n<name><text>A</name>\n</question></quiz>",
     "line 3", "not well-formed XML (mismatched tag)"),
    ("<questions><question type='truefalse'/></questions>",
     "line 1 <questions>", "the root element of a Moodle XML file is <quiz>"),
    (BILLION_LAUGHS, "line 2", "the file declares a DTD or entities, which are refused"),
    (EXTERNAL_ENTITY, "line 2", "the file declares a DTD or entities, which are refused"),
    ("<quiz>\n<question type='multichoice'><name><text>M</text></name><questiontext><text>Q</text></questiontext>\n"
     "<answer fraction='100'><text>a</text></answer>\n<answer fraction='33'><text>b</text></answer>\n"
     "</question></quiz>",
     "line 4 <answer>", "'33%' is not a grade Moodle accepts"),
    ("<quiz>\n<question type='numerical'><questiontext><text>Q</text></questiontext>\n"
     "<answer fraction='100'><text>twelve</text></answer></question></quiz>",
     "line 3 <answer>", "'twelve' is not a number"),
])
def test_moodle_xml_errors_name_the_line_or_element_and_write_nothing(bank, zh, text, where, message):
    import_questions(bank, zh, "::Existing::Kept?{T}", "gift")
    before = _database_state()
    with pytest.raises(FormatError) as error:
        import_questions(bank, zh, text, "moodlexml")
    assert error.value.where == where and message in error.value.message
    assert _database_state() == before


# Aiken ---------------------------------------------------------------------------------------

def test_aiken_imports_single_choice_questions(bank, zh):
    text = textwrap.dedent("""\
        Which metric counts users active on a day?
        A. MAU
        B) DAU
        C)WAU
        ANSWER: B

        Which comes first
        in the operations loop?
        A. Strategy
        B. Execution
        ANSWER: A
        """)
    report = import_questions(bank, zh, text, "aiken")
    assert report.summary() == "Imported 2 questions, skipped 0"
    second, first = sorted(bank_questions(bank, zh), key=lambda q: q["stem"])
    assert first["type"] == "single_choice" and first["key"].startswith("ops-q-")
    assert _answers(first, "text", "fraction") == [("MAU", 0), ("DAU", 1), ("WAU", 0)]
    assert second["stem"] == "Which comes first\nin the operations loop?"


@pytest.mark.parametrize("text, where, message", [
    ("A. Orphan\nANSWER: A\n", "line 1", "a choice before any question text"),
    ("Q?\nA. One\nANSWER: A\n", "line 1", "a question needs at least two choices"),
    ("Q?\nA. One\nB. Two\n\nNext question?\nA. x\nB. y\nANSWER: A\n",
     "line 5", "the question on line 1 has no 'ANSWER:' line"),
    ("Q?\nA. One\nB. Two\nANSWER: D\n", "line 4", "'ANSWER: D' names none of the choices A, B"),
    ("Q?\nA. One\nB. Two\n", "line 1", "this question has no 'ANSWER:' line"),
])
def test_aiken_errors_name_the_line_and_write_nothing(bank, zh, text, where, message):
    before = _database_state()
    with pytest.raises(FormatError) as error:
        import_questions(bank, zh, text, "aiken")
    assert error.value.where == where and message in error.value.message
    assert _database_state() == before


# Keys and updates ---------------------------------------------------------------------------

def test_importing_again_updates_by_key_and_leaves_unchanged_questions_alone(bank, zh):
    import_questions(bank, zh, GIFT_ALL_TYPES, "gift")
    revisions = Revision.objects.count()
    again = import_questions(bank, zh, GIFT_ALL_TYPES, "gift")
    assert (len(again.created), len(again.updated), len(again.unchanged)) == (0, 0, 7)
    assert Revision.objects.count() == revisions
    edited = GIFT_ALL_TYPES.replace("Abbreviation of daily", "Short form of daily")
    report = import_questions(bank, zh, edited, "gift")
    assert report.updated == ["ops-dau"] and Question.objects.count() == 7
    dau = Question.objects.get(key="ops-dau")
    assert dau.stem == "Short form of daily active users?" and list(dau.tags.names()) == ["Growth"]


def test_keys_come_from_id_title_or_text_and_stay_distinct(bank, zh):
    text = _gift("""
        // [id:Q 7]
        ::Named::With an id?{T}

        ::运营::Chinese title?{T}

        ::Twice::First?{T}

        ::Twice::Second?{T}

        No title at all?{T}
        """)
    import_questions(bank, zh, text, "gift")
    keys = {q.stem: q.key for q in Question.objects.all()}
    assert keys["With an id?"] == "ops-q-7"
    assert keys["Chinese title?"].startswith("ops-") and len(keys["Chinese title?"]) == len("ops-") + 10
    assert (keys["First?"], keys["Second?"]) == ("ops-twice", "ops-twice-2")
    assert keys["No title at all?"].startswith("ops-q-")


def test_a_key_owned_by_another_bank_is_refused(bank, zh):
    other = QuestionBank.objects.create(slug="other", title="Other")
    write_question(other, zh, normalise({"key": "ops-churn", "type": "true_false", "stem": "Mine", "answers": [
        {"text": "true", "fraction": 1}, {"text": "false", "fraction": 0}]}))
    with pytest.raises(FormatError) as error:
        import_questions(bank, zh, GIFT_ALL_TYPES, "gift")
    assert error.value.where == "line 6" and "already belongs to a question in the bank 'other'" in error.value.message


def test_an_import_in_english_joins_the_chinese_question_with_the_same_key(bank, zh, en):
    import_questions(bank, zh, "// [id:ops-churn]\n::流失::流失率是什么？{T}", "gift")
    import_questions(bank, en, "// [id:ops-churn]\n::Churn::What is churn?{T}", "gift")
    chinese, english = (Question.objects.get(key="ops-churn", locale=locale) for locale in (zh, en))
    assert chinese.translation_key == english.translation_key


# Export and round trips ---------------------------------------------------------------------

# One question of each of our seven types, with everything a question can carry.
OURS = [
    {"key": "q-single", "type": "single_choice", "points": 2, "difficulty": "hard", "skills": ["growth", "User care"],
     "stem": "Growth = (new - old) / old.\n\nWhich is **right** {roughly}? #1: ~a", "explanation": "See:\nlesson 2.",
     "answers": [{"text": "15% = 0.15", "fraction": 1, "feedback": "#1 right: {yes} ~"},
                 {"text": "1.5%", "fraction": -0.5, "feedback": "Off by ten."},
                 {"text": "%50% of it", "fraction": 0}]},
    {"key": "q-multi", "type": "multiple_response", "stem": "Retention tactics?", "answers": [
        {"text": "Points", "fraction": 0.33333}, {"text": "Community", "fraction": 0.33333},
        {"text": "Check-ins", "fraction": 0.33333},
        {"text": "Buying traffic", "fraction": -1, "feedback": "Acquisition."}]},
    {"key": "q-tf", "type": "true_false", "stem": "Segments never change.", "explanation": "They drift.", "answers": [
        {"text": "true", "fraction": 0, "feedback": "They do change."},
        {"text": "false", "fraction": 1, "feedback": "Right."}]},
    {"key": "q-num", "type": "numeric", "stem": "Growth from 80,000 to 92,000 (%)?", "units": "%, pct", "answers": [
        {"text": "15", "fraction": 1, "tolerance": 0.1, "feedback": "Yes."},
        {"text": "0.15", "fraction": 0.5, "tolerance": 0.001, "feedback": "As a ratio."}]},
    {"key": "q-short", "type": "short_text", "stem": "Abbreviation of daily active users?", "answers": [
        {"text": "DAU", "fraction": 1}, {"text": "日活", "fraction": 1, "feedback": "中文也对。"}]},
    {"key": "q-order", "type": "ordering", "stem": "Order the loop.", "answers": [
        {"text": "Strategy"}, {"text": "Execution"}, {"text": "Monitoring", "feedback": "Last."}]},
    {"key": "q-match", "type": "matching", "stem": "Match metric and family.", "answers": [
        {"text": "Retention", "match": "User growth", "feedback": "Lost in both formats."},
        {"text": "Market share", "match": "Commercial"}]},
]
LOST_BY_BOTH = {"difficulty": "medium"}  # neither format has a place for it
LOST_BY_GIFT = {**LOST_BY_BOTH, "points": Decimal("1"), "units": ""}


def _ours(bank, locale):
    for data in OURS:
        write_question(bank, locale, normalise(data))


def _expected_after_round_trip(losses, *, types):
    expected = {}
    for data in OURS:
        if data["type"] not in types:
            continue
        data = normalise({**data, **losses})
        if data["type"] == "matching":  # Moodle's matching subquestions have no feedback
            data["answers"] = [{**a, "feedback": ""} for a in data["answers"]]
        data["skills"] = sorted(data["skills"])
        expected[data["key"]] = data
    return expected


def _imported_copy(text, fmt, zh):
    copy = QuestionBank.objects.create(slug="copy", title="Copy")
    import_questions(copy, zh, text, fmt)
    return {q["key"].removeprefix("copy-"): normalise({**q, "key": q["key"].removeprefix("copy-")})
            for q in bank_questions(copy, zh)}


def test_gift_round_trip_keeps_every_question_gift_can_express(bank, zh):
    """Everything but ordering (reported as skipped), points, units, difficulty and matching feedback."""
    _ours(bank, zh)
    text = export_bank(bank, zh, "gift")
    assert unexportable(bank, zh, "gift") == [
        ("q-order", "GIFT cannot express ordering questions (export the bank as Moodle XML to keep them)")]
    assert "// Skipped q-order: GIFT cannot express ordering questions" in text
    kept = _expected_after_round_trip(LOST_BY_GIFT, types={d["type"] for d in OURS} - {"ordering"})
    assert _imported_copy(text, "gift", zh) == kept


def test_moodle_xml_round_trip_keeps_all_seven_types(bank, zh):
    """Everything but difficulty and matching feedback; ordering travels as the ordering plugin's type."""
    _ours(bank, zh)
    text = export_bank(bank, zh, "moodlexml")
    assert unexportable(bank, zh, "moodlexml") == [] and '<question type="ordering">' in text
    kept = _expected_after_round_trip(LOST_BY_BOTH, types={d["type"] for d in OURS})
    assert _imported_copy(text, "moodlexml", zh) == kept


@pytest.mark.parametrize("fmt", ["gift", "moodlexml"])
def test_importing_an_export_into_its_own_bank_changes_nothing_it_can_express(bank, zh, fmt):
    """Keys are stable and fields the format lacks keep their values; only matching loses feedback."""
    _ours(bank, zh)
    report = import_questions(bank, zh, export_bank(bank, zh, fmt), fmt)
    assert report.updated == ["q-match"] and not report.created
    assert len(report.unchanged) == (5 if fmt == "gift" else 6)


def test_export_leaves_out_fractions_moodle_would_refuse(bank, zh):
    write_question(bank, zh, normalise({"key": "odd", "type": "single_choice", "stem": "Odd?", "answers": [
        {"text": "a", "fraction": 1}, {"text": "b", "fraction": 0.35}]}))
    for fmt in ("gift", "moodlexml"):
        assert unexportable(bank, zh, fmt) == [("odd", "fraction 0.35 is not a grade Moodle accepts")]
        assert "Skipped odd: fraction 0.35" in export_bank(bank, zh, fmt)


def test_dumps_are_what_moodle_reads(bank, zh):
    """Spot checks against Moodle's own export: weights, escapes, ids and tags."""
    _ours(bank, zh)
    questions = bank_questions(bank, zh)
    text = gift.dump(questions)
    assert ("// [id:q-single]\n// [tag:User care]\n// [tag:growth]\n"
            "::q-single::[markdown]Growth \\= (new - old) / old.") in text
    assert "\t~%-50%1.5%#Off by ten.\n" in text and "\t~%0%%50% of it\n" in text
    assert "\t~%33.33333%Points\n" in text
    assert "{FALSE#They do change.#Right.####They drift.}" in text
    assert "\t=%100%15:0.1#Yes.\n" in text
    xml = moodlexml.dump(questions)
    assert '<answer fraction="33.33333" format="plain_text">' in xml and "<text></text>" in xml
    assert "<idnumber>q-num</idnumber>" in xml and "<unit_name>pct</unit_name>" in xml


@pytest.mark.parametrize("n", [1, 10])
def test_export_queries_do_not_grow(bank, zh, n, django_assert_num_queries):
    for i in range(n):
        write_question(bank, zh, normalise({**OURS[0], "key": f"q-{i}"}))
    with django_assert_num_queries(4):  # questions, their answers, their tag links, the tags
        export_bank(bank, zh, "moodlexml")


# Management commands ------------------------------------------------------------------------

def test_import_command_prints_the_report(bank, tmp_path, capsys):
    path = tmp_path / "questions.gift"
    path.write_text(GIFT_ALL_TYPES + "\n::Intro::About metrics.\n", encoding="utf-8")
    call_command("import_questions", str(path), "--format", "gift", "--bank", "ops")
    assert capsys.readouterr().out.splitlines() == [
        "Imported 7 questions, skipped 1",
        "2 labels are not skills of the framework and were kept as tags: Growth, retention",
        "Skipped 'Intro' (line 31): a description is not a question: it has no answers to grade",
    ]
    assert Question.objects.filter(locale__language_code="zh-hans").count() == 7


def test_import_command_refuses_an_unknown_bank_unless_asked_to_create_it(db, tmp_path, en):
    path = tmp_path / "q.gift"
    path.write_text("::A::Fine?{T}\n", encoding="utf-8")
    with pytest.raises(CommandError, match="No question bank 'new'"):
        call_command("import_questions", str(path), "--format", "gift", "--bank", "new")
    call_command(
        "import_questions", str(path), "--format", "gift", "--bank", "new", "--create-bank", "--language", "en"
    )
    assert Question.objects.get().key == "new-a" and Question.objects.get().locale == en


def test_import_command_errors_name_the_line_and_create_nothing(db, tmp_path):
    path = tmp_path / "q.gift"
    path.write_text("::A::Fine?{T}\n\n::B::Broken {=a ~b\n", encoding="utf-8")
    before = _database_state()
    with pytest.raises(CommandError, match=r"q.gift: line 3: '\{' opens the answers .* Nothing was imported"):
        call_command("import_questions", str(path), "--format", "gift", "--bank", "new", "--create-bank")
    assert _database_state() == before
    path.write_bytes(b"::A::Fine?{T}\n::B::\xff{T}\n")
    with pytest.raises(CommandError, match="line 2: the file is not UTF-8 text"):
        call_command("import_questions", str(path), "--format", "gift", "--bank", "new", "--create-bank")


def test_export_command_writes_a_file_and_reports_what_it_left_out(bank, zh, tmp_path, capsys):
    _ours(bank, zh)
    path = tmp_path / "ops.gift"
    call_command("export_questions", "--bank", "ops", "--format", "gift", "-o", str(path))
    assert capsys.readouterr().out.splitlines() == [
        "Exported 6 questions, skipped 1",
        "Skipped q-order: GIFT cannot express ordering questions (export the bank as Moodle XML to keep them)",
    ]
    assert path.read_text(encoding="utf-8") == export_bank(bank, zh, "gift")
    call_command("export_questions", "--bank", "ops", "--format", "moodlexml")
    out = capsys.readouterr()
    assert out.out.startswith('<?xml version="1.0" encoding="UTF-8"?>') and "Exported 7 questions, skipped 0" in out.err


# Admin --------------------------------------------------------------------------------------

def _upload(client, content, *, fmt="gift", bank=None, name="questions.txt"):
    return client.post(reverse("quizzes_transfer:import"), {
        "file": SimpleUploadedFile(name, content.encode()), "format": fmt,
        "bank": bank.pk, "language": "zh-hans",
    })


def test_instructor_imports_a_file_in_the_admin(client, instructor, bank):
    client.force_login(instructor)
    assert reverse("quizzes_transfer:import") in client.get(reverse("wagtailadmin_home")).content.decode()
    page = client.get(reverse("quizzes_transfer:import"))
    assert page.status_code == 200 and reverse("quizzes_transfer:export", args=["ops", "gift"]) in page.content.decode()
    response = _upload(client, GIFT_ALL_TYPES + "\n::Intro::About metrics.\n", bank=bank)
    html = response.content.decode()
    assert response.status_code == 200 and "Imported 7 questions, skipped 1" in html
    assert "a description is not a question: it has no answers to grade" in html
    assert Question.objects.filter(bank=bank).count() == 7


def test_a_bad_file_comes_back_as_a_form_error_naming_its_line(client, instructor, bank):
    client.force_login(instructor)
    response = _upload(client, "<quiz><question type='truefalse'>", fmt="moodlexml", bank=bank)
    html = response.content.decode()
    assert response.status_code == 200 and "line 1: not well-formed XML" in html and "Nothing was imported" in html
    assert not Question.objects.exists()


def test_instructor_downloads_a_bank_as_gift_and_moodle_xml(client, instructor, bank, zh):
    _ours(bank, zh)
    client.force_login(instructor)
    response = client.get(reverse("quizzes_transfer:export", args=["ops", "moodlexml"]), {"language": "zh-hans"})
    assert response.status_code == 200 and response["Content-Disposition"] == 'attachment; filename="ops-zh-hans.xml"'
    assert response.content.decode() == export_bank(bank, zh, "moodlexml")
    listing = client.get(reverse("wagtailsnippets_quizzes_questionbank:list")).content.decode()
    assert reverse("quizzes_transfer:export", args=["ops", "gift"]) in listing


def test_trainees_and_visitors_cannot_import_or_export(client, trainee, bank):
    urls = [reverse("quizzes_transfer:import"), reverse("quizzes_transfer:export", args=["ops", "gift"])]
    for url in urls:
        assert client.get(url).status_code == 302
    client.force_login(trainee)
    for url in urls:
        assert client.get(url).status_code in (302, 403)
    assert _upload(client, "::A::Fine?{T}", bank=bank).status_code in (302, 403)
    assert not Question.objects.exists()

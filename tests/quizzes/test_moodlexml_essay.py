"""Essays in the question file formats: Moodle XML `essay` imported as Moodle's own tests expect
and written as Moodle writes it, our rubric carried in the grader information; GIFT's `{}`
read and written as an essay, its settings and rubric left out and said so; a bad value names
its line and writes nothing."""

import textwrap
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from wagtail.models import Locale, Revision

from courses import api as courses_api
from quizzes import api, attachments, marking
from quizzes.formats import FormatError, moodleessay
from quizzes.importing import bank_questions, export_bank, export_notes, import_questions, unexportable
from quizzes.models import AttemptQuestion, Question, QuestionBank, QuizDraw, QuizPage
from quizzes.questions import normalise, write_question
from tests.conftest import INSTRUCTORS, make_user

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "moodle"


def fixture(name):
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English; the site's default language is Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture
def zh(db):
    return Locale.objects.get(language_code="zh-hans")


@pytest.fixture
def bank(db):
    return QuestionBank.objects.create(slug="ops", title="Operations")


def _state():
    """Everything an import could write: questions with their settings, tags and revisions."""
    return (sorted(Question.objects.values_list("key", "question_type", "stem", "essay")),
            sorted(Question.tags.through.objects.values_list("tag__name", flat=True)), Revision.objects.count())


RUBRIC = [
    {"key": "goal", "title": "Goal <b>&</b> KPI | target", "description": "A measurable goal --> a number",
     "skills": ["campaign-planning"],
     "levels": [{"points": 1, "title": "Missing"}, {"points": 2.5, "title": "Vague", "description": "“Grow”"},
                {"points": 4, "title": "Measurable", "description": "GMV +20 %\nin 618"}]},
    {"key": "budget", "title": "预算", "levels": [{"points": 0, "title": "None"}, {"points": 3, "title": "Costed"}]},
]
ESSAY = {
    "key": "campaign-plan", "type": "essay", "points": 10, "skills": ["campaigns"],
    "stem": "Write a one-page plan for a **618** campaign.", "explanation": "A good plan names its goal.",
    "essay": {"attachments": 2, "attachments_required": 1, "template": "## Goal\n\n## Budget\n",
              "grader_info": "Look for:\n\n- a goal\n- a budget\n", "rubric": RUBRIC},
}


def _essay_element(xml):
    return ElementTree.fromstring(xml).find("question[@type='essay']")


# Moodle's files in ---------------------------------------------------------------------------

def test_moodles_own_essay_fixture_imports_as_an_essay_graded_in_points(bank, zh):
    """question/type/essay/tests/fixtures/testquestion.moodle.xml: no rubric, Moodle's settings."""
    report = import_questions(bank, zh, fixture("essay.xml"), "moodlexml")
    assert report.created == ["ops-essay-001"] and report.skipped == []
    question = Question.objects.get(key="ops-essay-001")
    assert question.question_type == "essay" and question.points == 1 and not question.answers.exists()
    assert (question.stem, question.explanation) == ("Write an essay with 500 words.", "This is general feedback")
    assert question.essay == {"attachments": 0, "attachments_required": 0, "template": "", "grader_info": ""}
    assert list(question.tags.names()) == ["Default for C1"]


# What Moodle's qformat_xml tests expect import_essay to read from each (xmlformat_test.php), in
# our terms: -1 attachments (unlimited) is our most, 5; HTML becomes Markdown.
MOODLE_EXPECTS = {
    "ops-an-essay": ("test_export_essay", 5, 1, "Grade **generously**!", "Here is something **really** interesting.",
                     []),
    "ops-an-essay-2": ("test_import_essay_20", 0, 0, "", "", ["tagEssay", "tagEssay20", "tagTest"]),
    "ops-an-essay-3": ("test_import_essay_21", 5, 1, "Grade **generously**!",
                       "Here is something **really** interesting.", ["tagEssay", "tagEssay21", "tagTest"]),
    "ops-an-essay-4": ("test_import_essay_311", 5, 1, "Grade **generously**!",
                       "Here is something **really** interesting.", ["tagEssay", "tagEssay21", "tagTest"]),
}


@pytest.mark.parametrize("key", MOODLE_EXPECTS)
def test_moodles_xmlformat_essays_import_as_moodles_tests_expect(bank, zh, key):
    import_questions(bank, zh, fixture("essay_xmlformat.xml"), "moodlexml")
    _test, attachments, required, grader_info, template, skills = MOODLE_EXPECTS[key]
    question = {q["key"]: q for q in bank_questions(bank, zh)}[key]
    assert (question["type"], question["stem"], question["explanation"], question["points"]) == (
        "essay", "Write something.", "I hope you wrote something interesting.", Decimal("1"))
    assert question["essay"] == {"attachments": attachments, "attachments_required": required,
                                 "template": template, "grader_info": grader_info}
    assert question["skills"] == sorted(skills) and question["answers"] == []


def test_moodle_fields_come_back_out_as_moodle_wrote_them(bank, zh):
    """Moodle's fixture → import → export: the fields we carry are Moodle's again; the ones we
    have no place for (the word limit) are written as Moodle's defaults."""
    import_questions(bank, zh, fixture("essay.xml"), "moodlexml")
    before, after = _essay_element(fixture("essay.xml")), _essay_element(export_bank(bank, zh, "moodlexml"))
    for tag in ("responseformat", "responserequired", "responsefieldlines", "minwordlimit", "attachments",
                "attachmentsrequired", "maxbytes", "filetypeslist", "hidden"):
        assert after.findtext(tag) == before.findtext(tag), tag
    for tag in ("questiontext", "generalfeedback", "graderinfo", "responsetemplate"):
        assert after.findtext(f"{tag}/text") == before.findtext(f"{tag}/text"), tag
    assert Decimal(after.findtext("defaultgrade")) == Decimal(before.findtext("defaultgrade"))
    assert Decimal(after.findtext("penalty")) == Decimal(before.findtext("penalty")) == 0
    assert (before.findtext("maxwordlimit"), after.findtext("maxwordlimit")) == ("20", "")
    # …and reading our export gives the same question again.
    copy = QuestionBank.objects.create(slug="copy", title="Copy")
    import_questions(copy, zh, export_bank(bank, zh, "moodlexml"), "moodlexml")
    first, second = bank_questions(bank, zh)[0], bank_questions(copy, zh)[0]
    assert {**second, "key": first["key"]} == first


def test_an_image_in_the_grader_information_skips_the_essay_with_the_reason(bank, zh):
    text = fixture("essay.xml").replace(
        '<graderinfo format="html">\n      <text></text>',
        '<graderinfo format="html">\n      <text><![CDATA[<img src="@@PLUGINFILE@@/a.png">]]></text>')
    report = import_questions(bank, zh, text, "moodlexml")
    assert report.skipped == [("'essay-001' (line 12 <question type=\"essay\">)",
                               "embedded files (images) are not supported")]
    assert not Question.objects.exists()


# Ours out and back -------------------------------------------------------------------------

def test_our_essay_with_its_rubric_survives_moodle_xml_exactly(bank, zh):
    write_question(bank, zh, normalise(ESSAY))
    xml = export_bank(bank, zh, "moodlexml")
    element = _essay_element(xml)
    assert [(tag, element.findtext(tag)) for tag in (
        "responseformat", "responserequired", "responsefieldlines", "minwordlimit", "maxwordlimit",
        "attachments", "attachmentsrequired", "maxbytes", "filetypeslist", "defaultgrade", "penalty")] == [
        ("responseformat", "editor"), ("responserequired", "1"), ("responsefieldlines", "15"),
        ("minwordlimit", ""), ("maxwordlimit", ""), ("attachments", "2"), ("attachmentsrequired", "1"),
        ("maxbytes", str(settings.ESSAY_ATTACHMENT_MAX_BYTES)), ("filetypeslist", ".pdf,.xlsx,.png,.jpg,.jpeg"),
        ("defaultgrade", "10"), ("penalty", "0")]
    assert moodleessay.FILE_TYPES == attachments.ACCEPT
    assert element.find("graderinfo").get("format") == "markdown"
    assert element.findtext("responsetemplate/text") == "## Goal\n\n## Budget\n"
    # A Moodle grader reads the rubric in the grader information; its JSON is in a comment.
    notes = element.findtext("graderinfo/text")
    assert notes.startswith("Look for:\n\n- a goal\n- a budget\n\n\n<!-- ops-academy-rubric [")
    assert "mark = (points of the levels chosen − 1) / (7 − 1) × 10" in notes
    assert "- **Goal <b>&</b> KPI | target**: A measurable goal --> a number" in notes
    assert "    - 4 points: Measurable — GMV +20 % in 618" in notes
    other = QuestionBank.objects.create(slug="copy", title="Copy")
    assert import_questions(other, zh, xml, "moodlexml").created == ["copy-campaign-plan"]
    (after,) = bank_questions(other, zh)
    (before,) = bank_questions(bank, zh)
    assert after["essay"] == before["essay"] == ESSAY["essay"]
    assert {**after, "key": "x", "essay": {}} == {**before, "key": "x", "essay": {}}
    # Into the same bank it is the same question, unchanged.
    assert import_questions(bank, zh, xml, "moodlexml").unchanged == ["campaign-plan"]


def test_the_rubric_comes_back_through_moodles_import_and_export(bank, zh):
    """Moodle keeps grader information as it is, trims it, and writes it in CDATA."""
    write_question(bank, zh, normalise(ESSAY))
    notes = _essay_element(export_bank(bank, zh, "moodlexml")).findtext("graderinfo/text").strip()
    moodle = fixture("essay.xml").replace(
        '<graderinfo format="html">\n      <text></text>',
        f'<graderinfo format="markdown">\n      <text><![CDATA[{notes}]]></text>')
    other = QuestionBank.objects.create(slug="moodle", title="Moodle")
    import_questions(other, zh, moodle, "moodlexml")
    essay = Question.objects.get(bank=other).essay
    assert essay["rubric"] == RUBRIC and essay["grader_info"] == "Look for:\n\n- a goal\n- a budget\n"


def test_a_moodle_file_without_a_rubric_updates_an_essay_but_keeps_its_rubric(bank, zh):
    write_question(bank, zh, normalise(ESSAY))
    text = fixture("essay.xml").replace("<hidden>0</hidden>",
                                        "<hidden>0</hidden>\n    <idnumber>campaign-plan</idnumber>")
    assert import_questions(bank, zh, text, "moodlexml").updated == ["campaign-plan"]
    essay = Question.objects.get(key="campaign-plan").essay
    assert essay == {"attachments": 0, "attachments_required": 0, "template": "", "grader_info": "",
                     "rubric": RUBRIC}


def test_an_imported_essay_is_graded_with_the_rubric_it_came_with(bank, zh, make_tree):
    write_question(bank, zh, normalise(ESSAY))
    imported = QuestionBank.objects.create(slug="imported", title="Imported")
    import_questions(imported, zh, export_bank(bank, zh, "moodlexml"), "moodlexml")
    tree = make_tree()
    quiz = QuizPage(title="Capstone", slug="capstone", draws=[QuizDraw(bank=imported, count=1)],
                    requires_lessons_complete=False, answers_shown="always")
    tree.modules[0].add_child(instance=quiz)
    quiz.save_revision().publish()
    trainee = make_user("writer@example.com")
    courses_api.enrol_learner(trainee, tree.course)
    attempt = api.start_attempt(trainee, QuizPage.objects.get(pk=quiz.pk))
    api.save_answer(trainee, attempt.pk, 1, "## Goal\nGMV +20 %")
    api.submit_attempt(trainee, attempt.pk)
    essay = AttemptQuestion.objects.get(attempt=attempt)
    assert essay.spec["essay"]["rubric"] == RUBRIC
    marking.grade_essay(make_user("teacher@example.com", INSTRUCTORS), essay.pk, {"levels": {"goal": 2, "budget": 1}})
    essay.refresh_from_db()
    assert essay.score == Decimal("10.000")


# Bad files -----------------------------------------------------------------------------------

GOOD = """\
  <question type="essay">
    <name><text>Good</text></name>
    <questiontext format="html"><text>Plan a campaign.</text></questiontext>
  </question>
"""


def _file(*questions):
    return '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n' + GOOD + "".join(questions) + "</quiz>\n"


def _bad(fields, text="Write."):
    """An essay called Bad starting on line 7 of `_file`, its `fields` from line 10."""
    return (f'  <question type="essay">\n    <name><text>Bad</text></name>\n'
            f'    <questiontext format="html"><text>{text}</text></questiontext>\n'
            + textwrap.indent(fields, "    ") + "\n  </question>\n")


@pytest.mark.parametrize("question, where, message", [
    (_bad("<attachments>1</attachments>\n<attachmentsrequired>3</attachmentsrequired>"),
     "line 11 <attachmentsrequired>", "attachmentsrequired (3) is more than attachments (1)"),
    (_bad("<attachments>-1</attachments>\n<attachmentsrequired>6</attachmentsrequired>"),
     "line 11 <attachmentsrequired>", "attachmentsrequired (6) is more than the 5 files a trainee may attach here"),
    (_bad("<attachments>-2</attachments>"), "line 10 <attachments>",
     "attachments is -1 (unlimited) or a whole number from 0"),
    (_bad("<attachmentsrequired>-1</attachmentsrequired>"), "line 10 <attachmentsrequired>",
     "attachmentsrequired is a whole number from 0"),
    (_bad("<attachments>two</attachments>"), "line 10 <attachments>", "'two' is not a whole number"),
    (_bad("<attachments>1.5</attachments>"), "line 10 <attachments>", "'1.5' is not a whole number"),
    (_bad("<hidden>0</hidden>", text=""), 'line 7 <question type="essay">',
     "question 'Bad': the question has no text"),
    (_bad('<graderinfo format="markdown">\n  <text><![CDATA[Notes <!-- ops-academy-rubric [{"key": -->]]></text>\n'
          '</graderinfo>'),
     "line 10 <graderinfo>", "the Ops Academy rubric in <graderinfo> is not valid JSON"),
    (_bad('<graderinfo format="markdown"><text>&lt;!-- ops-academy-rubric ' + "[" * 100_000 + "</text></graderinfo>"),
     "line 10 <graderinfo>", "the Ops Academy rubric in <graderinfo> is not valid JSON"),
    (_bad('<graderinfo format="markdown"><text><![CDATA[<!-- ops-academy-rubric [{"key": "a", "title": "A", '
          '"levels": [{"points": 1, "title": "Only"}]}] -->]]></text></graderinfo>'),
     'line 7 <question type="essay">', "question 'Bad': Criterion 1 needs 2 to 10 levels."),
])
def test_a_bad_essay_names_its_line_and_nothing_is_written(bank, zh, question, where, message):
    before = _state()
    with pytest.raises(FormatError) as error:
        import_questions(bank, zh, _file(question), "moodlexml")
    assert (error.value.where, error.value.message) == (where, message)
    assert _state() == before


def test_more_attachments_than_ours_are_clamped_to_our_most(bank, zh):
    fields = "<attachments>12</attachments>\n<attachmentsrequired>3</attachmentsrequired>"
    import_questions(bank, zh, _file(_bad(fields)), "moodlexml")
    assert Question.objects.get(key="ops-bad").essay["attachments"] == 5


# GIFT ----------------------------------------------------------------------------------------

def test_a_gift_essay_imports_as_moodle_reads_it(bank, zh):
    """giftformat_test.php test_import_essay: `::Q8:: How are you? {}`; and Moodle's export
    of an essay with general feedback, `{####…}`."""
    report = import_questions(bank, zh, "// essay\n::Q8:: How are you? {}\n\n::Q9::Why?{####Because.}\n", "gift")
    assert report.created == ["ops-q8", "ops-q9"] and report.skipped == []
    q8, q9 = bank_questions(bank, zh)
    assert (q8["type"], q8["stem"], q8["answers"], q8["essay"]) == ("essay", "How are you?", [], {})
    assert (q9["stem"], q9["explanation"]) == ("Why?", "Because.")


def test_gift_writes_an_essay_as_braces_and_says_what_it_leaves_out(bank, zh, tmp_path, capsys):
    write_question(bank, zh, normalise(ESSAY))
    text = export_bank(bank, zh, "gift")
    note = ("GIFT writes an essay as its text only ({}): its rubric, attachments, template and grader "
            "information are left out (export the bank as Moodle XML to keep them)")
    assert (f"// Note: {note}\n// [id:campaign-plan]\n// [tag:campaigns]\n::campaign-plan::[markdown]"
            "Write a one-page plan for a **618** campaign.{####A good plan names its goal.}\n") in text
    assert unexportable(bank, zh, "gift") == [] and export_notes(bank, zh, "gift") == [("campaign-plan", note)]
    assert export_notes(bank, zh, "moodlexml") == []
    call_command("export_questions", "--bank", "ops", "--format", "gift", "-o", str(tmp_path / "ops.gift"))
    assert capsys.readouterr().out.splitlines() == ["Exported 1 questions, skipped 0", f"Note campaign-plan: {note}"]
    # Read back into its own bank, the essay keeps the settings and rubric GIFT does not carry.
    assert import_questions(bank, zh, text, "gift").unchanged == ["campaign-plan"]
    assert Question.objects.get(key="campaign-plan").essay == ESSAY["essay"]
    other = QuestionBank.objects.create(slug="copy", title="Copy")
    import_questions(other, zh, text, "gift")
    copied = bank_questions(other, zh)[0]
    assert (copied["type"], copied["stem"], copied["essay"]) == ("essay", ESSAY["stem"], {})

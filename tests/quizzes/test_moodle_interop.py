"""Moodle's own files, read as Moodle reads them (tests/fixtures/moodle, from moodle/moodle's
question/format/*/tests/fixtures), and what issue 14 found different: matching distractors,
"any other answer" (`*`) in numerical and short answers, multiple answers that add up to more
than 100 %, old-style and embedded images, Moodle's question names kept both ways, and a bank
that survives Moodle XML → Ops Academy → Moodle XML → Ops Academy."""

import base64
import re
import textwrap
from io import BytesIO
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from PIL import Image as PillowImage
from wagtail.images import get_image_model
from wagtail.models import Locale
from wagtail.users.models import UserProfile

from quizzes.api import freeze
from quizzes.formats import FormatError, gift
from quizzes.formats.common import html_to_markdown
from quizzes.grading import clean_response, grade, matched_answer, right_answer
from quizzes.importing import bank_questions, export_bank, export_notes, import_questions
from quizzes.models import Question, QuestionBank
from quizzes.questions import QuestionDataError, normalise
from quizzes.views import is_unanswered

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "moodle"


def fixture(name):
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English; the site's default language is Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Imported images are written to a throwaway media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def zh(db):
    return Locale.objects.get(language_code="zh-hans")


@pytest.fixture
def bank(db):
    return QuestionBank.objects.create(slug="ops", title="Operations")


def _by_name(bank, locale):
    return {q.name: q for q in Question.objects.filter(bank=bank, locale=locale).prefetch_related("answers")}


def _answers(question, *fields):
    return [tuple(a.as_data()[f] for f in fields) for a in question.answers.all()]


def png(colour="red", size=(4, 3)):
    buffer = BytesIO()
    PillowImage.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def _spec(question):
    return freeze(question, shuffle=False)


# Moodle's fixtures, as Moodle's tests expect them ---------------------------------------------

def test_moodles_gift_fixture_imports_every_question_as_giftformat_test_expects(bank, zh):
    """question/format/gift/tests/fixtures/questions.gift.txt: all nine questions (Moodle's
    behat import_export.feature imports nine), with the answers giftformat_test.php expects."""
    report = import_questions(bank, zh, fixture("questions.gift.txt"), "gift")
    assert (report.imported, report.skipped) == (9, [])
    questions = _by_name(bank, zh)
    assert set(questions) == {"Q8", "Moodle activities", "Q2", "colours", "Q5", "Shortanswer", "Q1", "2-08 TSL"}
    assert Question.objects.filter(name="2-08 TSL").count() == 2
    # test_import_match: the fifth subquestion has no text, its answer 'Chat' is a distractor.
    assert _answers(questions["Moodle activities"], "text", "match")[-2:] == [
        ("A collection of web pages that anyone can add to or edit.", "Wiki"), ("", "Chat")]
    # test_import_numerical: '3:2' and the '*' answer carrying 'Completely wrong'.
    assert _answers(questions["Q5"], "text", "tolerance", "fraction", "feedback") == [
        ("3", 2.0, 1.0, ""), ("*", 0.0, 0.0, "Completely wrong")]
    # test_import_shortanswer: Frog 100 %, Cat 50 %, '*' 0 % with its feedback.
    assert _answers(questions["Shortanswer"], "text", "fraction", "feedback") == [
        ("Frog", 1.0, "Good!"), ("Cat", 0.5, "What is it with Moodlers and cats?"), ("*", 0.0, "Completely wrong")]
    # test_import_multichoice_multi: 50 %, -100 %, 50 %, -100 %.
    assert _answers(questions["colours"], "text", "fraction") == [
        ("yellow", 0.5), ("red", -1.0), ("off-beige", 0.5), ("blue", -1.0)]
    # test_import_truefalse: false is right; the first feedback is for the wrong answer.
    assert _answers(questions["Q1"], "text", "fraction", "feedback") == [
        ("true", 0.0, "42 is the Ultimate Answer."), ("false", 1.0, "You gave the right answer.")]
    assert questions["Q1"].explanation == "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    assert questions["Q8"].question_type == "essay"


def test_moodles_gift_category_fixture_imports_its_four_questions_in_their_category(bank, zh):
    report = import_questions(bank, zh, fixture("questions_in_category.gift.txt"), "gift")
    assert (report.imported, report.skipped) == (4, [])
    questions = _by_name(bank, zh)
    assert {name: list(q.tags.names()) for name, q in questions.items()} == {
        name: ["Default for New Features"] for name in ("Moodle activities", "Greeting", "Moodle user",
                                                        "Moodle acronym")}
    assert _answers(questions["Moodle activities"], "text", "match")[-1] == ("", "Chat")
    assert _answers(questions["Moodle user"], "text", "fraction") == [("Moodler", 1.0)]


def test_moodles_gift_documentation_examples_all_import(bank, zh):
    """question/format/gift/examples.txt, the examples of Moodle's GIFT documentation: all 43."""
    report = import_questions(bank, zh, fixture("gift_examples.txt"), "gift")
    assert (report.imported, report.skipped) == (43, [])
    by_stem = {}
    for question in Question.objects.prefetch_related("answers"):
        by_stem.setdefault(question.stem, []).append(question)
    pi = by_stem["What is the value of pi (to 3 decimal places)? _____."]
    assert sorted(_answers(q, "text", "tolerance")[0] for q in pi) == [("3.1415", 0.0005), ("3.1415", 0.0005)]
    assert _answers(by_stem["Which answer equals 5?"][0], "text", "fraction") == [
        ("= 2 + 2", 0.0), ("= 2 + 3", 1.0), ("= 2 + 4", 0.0)]
    control = Question.objects.get(name="GIFT Control Characters")
    assert _answers(control, "text")[-1] == ("\\",)  # GIFT's \\ is one backslash
    assert _answers(control, "fraction")[-1] == (1.0,)
    grant = by_stem["What two people are entombed in Grant's tomb?"]
    assert sorted(_answers(q, "fraction")[0] for q in grant) == [(-0.5,), (0.0,)]


def test_moodles_old_image_fixture_imports_the_question_with_its_image_and_skips_the_cloze(bank, zh):
    """sample_questions_with_old_image_tag.xml: the image of Moodle 1.9's <image_base64> becomes
    a Wagtail image shown in the stem; &quot; reads as a quote; the cloze question is skipped."""
    report = import_questions(bank, zh, fixture("sample_questions_with_old_image_tag.xml"), "moodlexml")
    assert report.imported == 1
    assert report.skipped == [("'cloze question with image' (line 16 <question type=\"cloze\">)",
                               "embedded-answer (cloze) questions are not supported")]
    question = Question.objects.get()
    image = get_image_model().objects.get()
    rendition_url = image.get_rendition("width-960").url
    assert question.name == "mcq with image" and image.title == "moodle.png" and (image.width, image.height) == (16, 16)
    assert question.stem == ('This is a multichoice question with an image in the old "image" field that was used '
                             f"in Moodle 1.9\n\n![]({rendition_url})")
    assert _answers(question, "text", "fraction") == [("wrong answer", 0.0), ("another wrong answer", 0.0),
                                                      ("right answer", 1.0)]


@pytest.mark.parametrize("name, questions, skills", [
    ("nested_categories_with_questions.xml",
     ["Iota Question", "Kappa Essay Question", "Kappa Question", "Lambda Question", "Mu Question"],
     ["Iota", "Kappa", "Lambda", "Mu"]),
    ("old_format_file.xml", ["Pi Question", "Rho Question"], ["Pi", "Rho"]),
    ("html_chars_in_idnumbers.xml", ["Alpha Question"], ["Alpha"]),
    ("categories_reverse_order.xml", ["Sigma Question", "Tau Question"], ["Sigma", "Tau"]),
])
def test_moodles_category_fixtures_import_each_question_under_its_category(bank, zh, name, questions, skills):
    """qformat_xml_import_export_test: each question lands in its (last) category, here a skill."""
    report = import_questions(bank, zh, fixture(name), "moodlexml")
    assert (report.imported, report.skipped) == (len(questions), [])
    assert sorted(_by_name(bank, zh)) == questions
    assert sorted({tag for q in Question.objects.all() for tag in q.tags.names()}) == skills


def test_moodles_idnumber_with_html_characters_becomes_a_key_and_keeps_its_name(bank, zh):
    import_questions(bank, zh, fixture("html_chars_in_idnumbers.xml"), "moodlexml")
    assert Question.objects.values_list("key", "name").get() == ("ops-t-f", "Alpha Question")


def test_moodles_invalid_grade_fixture_is_refused_as_moodle_refuses_it(bank, zh):
    """error_invalid_grades.xml: Moodle's import stops at the grade 33 % (matchgrades 'error')."""
    with pytest.raises(FormatError) as error:
        import_questions(bank, zh, fixture("error_invalid_grades.xml"), "moodlexml")
    assert error.value.where == "line 38 <answer>" and "'33%' is not a grade Moodle accepts" in error.value.message
    assert not Question.objects.exists()


MP3_REASON = "the embedded file 'bonjour.mp3' is not an image (PNG, JPEG, GIF or WebP): only images are imported"
ANSWER_IMAGE_REASON = ("an image in an answer or its feedback cannot be imported: our answers and feedback are plain "
                       "text (move the image into the question text)")


def _without(text, *names):
    """The fixture without the named files: their <file> elements and the tags that show them."""
    for name in names:
        text = re.sub(rf'<file name="{re.escape(name)}" encoding="base64">[^<]*</file>', "", text)
        text = re.sub(rf'<(img|a) [^>]*@@PLUGINFILE@@/{re.escape(name)}"[^>]*>(?:[^<]*</a>)?', "", text)
    return text


def test_moodles_multichoice_fixture_is_skipped_for_its_flag_images_and_its_mp3(bank, zh):
    """multichoice.xml: Moodle imports "Greeting" (its behat import_export.feature: 'Importing 1
    questions'), whose answers are flag images and whose text links an MP3. Ours are plain text and
    only images are imported, so the question is skipped with the reason, nothing half-written."""
    text = fixture("multichoice.xml")
    flags = ("flag-uk.jpg", "flag-france.jpg", "flag-german.jpg", "flag-denmark.jpg")
    for name in flags:  # the real images are sound: the skip is about where they are
        data = re.search(rf'<file name="{name}" encoding="base64">([^<]*)</file>', text)[1]
        assert PillowImage.open(BytesIO(base64.b64decode(data))).size == (30, 20)
    report = import_questions(bank, zh, text, "moodlexml")
    where = "'Greeting' (line 12 <question type=\"multichoice\">)"
    assert (report.imported, report.skipped) == (0, [(where, ANSWER_IMAGE_REASON)])
    assert not Question.objects.exists() and not get_image_model().objects.exists()
    # Without the flags, the MP3 is refused with its own reason.
    report = import_questions(bank, zh, _without(text, *flags), "moodlexml")
    assert (report.imported, report.skipped) == (0, [(where, MP3_REASON)])
    assert not Question.objects.exists() and not get_image_model().objects.exists()
    # Without both, the rest is what Moodle imports: French right, the others 'Sorry, listen again.'
    report = import_questions(bank, zh, _without(text, "bonjour.mp3", *flags), "moodlexml")
    assert (report.imported, report.skipped) == (1, [])
    question = Question.objects.get()
    assert (question.name, question.question_type, question.stem) == (
        "Greeting", "single_choice", "What language is being spoken?")
    assert list(question.tags.names()) == ["Multichoice"]
    assert _answers(question, "text", "fraction", "feedback") == [
        ("English", 0.0, "Sorry, listen again."), ("French", 1.0, "Yes, well done!"),
        ("German", 0.0, "Sorry, listen again."), ("Danish", 0.0, "Sorry, listen again.")]


def test_moodles_truefalse_fixture_is_skipped_for_its_thumb_images_in_the_feedback(bank, zh):
    """truefalse.xml: Moodle imports both "Moodle acronym" questions (its behat
    import_export.feature), whose answer feedback shows thumb images. Ours is plain text, so both
    are skipped with the reason; without those images, both import as Moodle reads them: the logo
    in the text and the information image in the general feedback become Wagtail images."""
    text = fixture("truefalse.xml")
    report = import_questions(bank, zh, text, "moodlexml")
    assert (report.imported, report.skipped) == (0, [
        ("'Moodle acronym (False)' (line 12 <question type=\"truefalse\">)", ANSWER_IMAGE_REASON),
        ("'Moodle acronym (True)' (line 40 <question type=\"truefalse\">)", ANSWER_IMAGE_REASON)])
    assert not Question.objects.exists() and not get_image_model().objects.exists()
    report = import_questions(bank, zh, _without(text, "thumbup.jpg", "thumbdown.jpg"), "moodlexml")
    assert (report.imported, report.skipped) == (2, [])
    images = {image.title: image for image in get_image_model().objects.all()}
    assert {title: (image.width, image.height) for title, image in images.items()} == {
        "logo.jpg": (48, 48), "infos.jpg": (34, 49)}  # shared by both questions, stored once
    logo, infos = (images[name].get_rendition("width-960").url for name in ("logo.jpg", "infos.jpg"))
    questions = _by_name(bank, zh)
    false, true = questions["Moodle acronym (False)"], questions["Moodle acronym (True)"]
    stem = (f'Moodle <img src="{logo}" alt="Moodle logo" width="48" height="48" /> is an acronym for '
            '<span style="font-style: italic;">Modular Object-Oriented Dynamic Learning {}</span>.')
    assert (false.question_type, false.stem) == ("true_false", stem.format("Education"))
    assert (true.question_type, true.stem) == ("true_false", stem.format("Environment"))
    feedback = (f'<img src="{infos}" alt="Informations" width="34" height="49" />For further information, see '
                'the <a title="Moodle Docs - About Moodle" href="http://docs.moodle.org/en/About_Moodle">'
                "documentation about Moodle</a>")
    assert (false.explanation, true.explanation) == (feedback + ".", feedback + "\n\n.")
    assert list(false.tags.names()) == list(true.tags.names()) == ["TrueFalse"]
    assert _answers(false, "text", "fraction", "feedback") == [
        ("true", 0.0, "Your answer is incorrect."), ("false", 1.0, "Your answer is correct.")]
    assert _answers(true, "text", "fraction", "feedback") == [
        ("true", 1.0, "Your answer is correct."), ("false", 0.0, "Your answer is incorrect.")]


# 1. Matching distractors ----------------------------------------------------------------------

DISTRACTOR_XML = textwrap.dedent("""\
    <?xml version="1.0" encoding="UTF-8"?>
    <quiz>
      <question type="matching">
        <name><text>Families</text></name>
        <questiontext format="html"><text>Match each metric to its family.</text></questiontext>
        <subquestion format="html"><text>Retention</text><answer><text>User growth</text></answer></subquestion>
        <subquestion format="html"><text>Market share</text><answer><text>Commercial</text></answer></subquestion>
        <subquestion format="html"><text></text><answer><text>Engineering</text></answer></subquestion>
      </question>
    </quiz>
    """)


def test_a_moodle_xml_subquestion_without_text_is_a_distractor(bank, zh):
    report = import_questions(bank, zh, DISTRACTOR_XML, "moodlexml")
    assert (report.imported, report.skipped) == (1, [])
    assert _answers(Question.objects.get(), "text", "match") == [
        ("Retention", "User growth"), ("Market share", "Commercial"), ("", "Engineering")]


def test_a_distractor_is_a_target_to_choose_never_an_item_and_grading_ignores_it(bank, zh):
    import_questions(bank, zh, DISTRACTOR_XML, "moodlexml")
    spec = _spec(Question.objects.prefetch_related("answers").get())
    items = [a for a in spec["answers"] if a["text"]]
    distractor = next(a for a in spec["answers"] if not a["text"])
    assert spec["order"] == [a["token"] for a in items]
    assert sorted(t["text"] for t in spec["targets"]) == ["Commercial", "Engineering", "User growth"]
    right = {a["token"]: a["target"] for a in items}
    assert right_answer(spec) == right and grade(spec, clean_response(spec, right)) == 1.0
    engineering = next(t["token"] for t in spec["targets"] if t["text"] == "Engineering")
    assert grade(spec, {**right, items[0]["token"]: engineering}) == 0.5
    with pytest.raises(Exception, match="pairs must map"):  # the distractor is no item to answer
        clean_response(spec, {**right, distractor["token"]: engineering})


def test_a_matching_question_with_a_distractor_counts_as_answered_when_every_item_is(bank, zh):
    import_questions(bank, zh, DISTRACTOR_XML, "moodlexml")
    spec = _spec(Question.objects.prefetch_related("answers").get())
    right = right_answer(spec)
    assert not is_unanswered(spec, right)
    assert is_unanswered(spec, dict(list(right.items())[:1]))


def test_distractors_are_written_back_as_moodle_writes_them(bank, zh):
    import_questions(bank, zh, DISTRACTOR_XML, "moodlexml")
    assert "\t= -> Engineering\n" in export_bank(bank, zh, "gift")
    subquestions = ElementTree.fromstring(export_bank(bank, zh, "moodlexml")).findall("question/subquestion")
    assert [(s.findtext("text"), s.findtext("answer/text")) for s in subquestions] == [
        ("Retention", "User growth"), ("Market share", "Commercial"), ("", "Engineering")]


@pytest.mark.parametrize("kind, answers", [
    ("single_choice", [{"text": "a", "fraction": 1}, {"text": " ", "fraction": 0}]),
    ("short_text", [{"text": "DAU", "fraction": 1}, {"text": "", "fraction": 0.5}]),
    ("ordering", [{"text": "first"}, {"text": ""}]),
])
def test_only_a_matching_distractor_may_have_no_text(kind, answers):
    with pytest.raises(QuestionDataError, match="Every answer needs its text"):
        normalise({"key": "q", "type": kind, "stem": "Which?", "answers": answers})


def test_a_matching_question_still_needs_two_items_besides_its_distractors():
    with pytest.raises(QuestionDataError, match="at least two items"):
        normalise({"key": "m", "type": "matching", "stem": "Match.", "answers": [
            {"text": "a", "match": "1"}, {"text": "", "match": "2"}, {"text": "", "match": "3"}]})


# 2 and 3. "Any other answer" ------------------------------------------------------------------

def _question_spec(bank, zh, text, fmt="gift"):
    import_questions(bank, zh, text, fmt)
    return _spec(Question.objects.prefetch_related("answers").get())


def test_numerical_feedback_for_any_other_answer_goes_to_every_number_the_answers_miss(bank, zh):
    spec = _question_spec(bank, zh, "::Q5:: What is a number from 1 to 5? {#3:2 ~#Completely wrong}\n")
    assert grade(spec, "4.5") == 1.0 and matched_answer(spec, "4.5")["text"] == "3"
    assert grade(spec, "9") == 0.0 and matched_answer(spec, "9")["feedback"] == "Completely wrong"
    assert matched_answer(spec, "nine") is None
    assert right_answer(spec) == "3"


def test_a_numerical_any_other_answer_from_moodle_xml_keeps_its_grade(bank, zh):
    xml = textwrap.dedent("""\
        <quiz><question type="numerical"><name><text>N</text></name>
          <questiontext><text>How many?</text></questiontext>
          <answer fraction="100"><text>42</text><tolerance>0.5</tolerance><feedback><text>Yes</text></feedback></answer>
          <answer fraction="10"><text>*</text><tolerance>0</tolerance>
            <feedback><text>At least a number</text></feedback></answer>
        </question></quiz>""")
    spec = _question_spec(bank, zh, xml, "moodlexml")
    assert grade(spec, "42.4") == 1.0 and grade(spec, "7") == 0.1
    assert "\t=%10%*#At least a number\n" in export_bank(bank, zh, "gift")


def test_short_answer_star_is_any_other_answer_with_its_grade_and_feedback(bank, zh):
    spec = _question_spec(bank, zh, fixture("questions.gift.txt").split("\n\n")[5] + "\n")
    assert [a["text"] for a in spec["answers"]] == ["Frog", "Cat", "*"]
    assert (grade(spec, "frog"), grade(spec, " CAT "), grade(spec, "Dog")) == (1.0, 0.5, 0.0)
    assert matched_answer(spec, "Dog")["feedback"] == "Completely wrong"
    assert matched_answer(spec, "*")["feedback"] == "Completely wrong"
    assert right_answer(spec) == "Frog"


def test_a_short_answer_wildcard_takes_what_no_earlier_answer_matched(bank, zh):
    spec = _question_spec(bank, zh, "::W::Spell it.{=%50%colo*r#Either spelling =colour =%0%*#No}\n")
    assert grade(spec, "color") == 0.5 and grade(spec, "colour") == 0.5  # the wildcard comes first, as in Moodle
    assert grade(spec, "cols") == 0.0 and matched_answer(spec, "cols")["feedback"] == "No"
    spec["answers"] = [{**a, "text": "a*a*a*a*a*a*a*a*a*b"} for a in spec["answers"][:1]]
    assert grade(spec, "a" * 200) == 0.0 and grade(spec, "a" * 200 + "b") == 0.5
    spec["answers"] = [{**spec["answers"][0], "text": r"5 \* 3"}]  # an escaped asterisk is itself
    assert grade(spec, "5 * 3") == 0.5 and grade(spec, "5 x 3") == 0.0


def test_any_other_answer_is_written_back_in_both_formats(bank, zh):
    import_questions(bank, zh, fixture("questions.gift.txt"), "gift")
    text = export_bank(bank, zh, "gift")
    assert "\t=%0%*#Completely wrong\n" in text and "\t~#Completely wrong\n" in text
    xml = ElementTree.fromstring(export_bank(bank, zh, "moodlexml"))
    numerical = next(q for q in xml.findall("question") if q.get("type") == "numerical")
    assert [(a.get("fraction"), a.findtext("text"), a.findtext("tolerance"), a.findtext("feedback/text"))
            for a in numerical.findall("answer")] == [("100", "3", "2", ""), ("0", "*", "0", "Completely wrong")]


# 4. Multiple answers over 100 % ---------------------------------------------------------------

def test_a_multiple_answer_question_over_100_percent_is_skipped_not_the_file(bank, zh):
    text = "::Fine::Right?{T}\n\n::Generous::Pick.{~%50%a ~%50%b ~%50%c ~%-100%d}\n\n::Also fine::Left?{F}\n"
    report = import_questions(bank, zh, text, "gift")
    assert report.imported == 2
    assert report.skipped == [("'Generous' (line 3)", "its right answers add up to 150%, not 100%: Moodle's "
                               "question editor refuses it too; correct the grades and import it again")]
    xml = ('<quiz><question type="multichoice"><name><text>Generous</text></name><questiontext><text>Pick.</text>'
           '</questiontext><single>false</single><answer fraction="100"><text>a</text></answer>'
           '<answer fraction="50"><text>b</text></answer></question></quiz>')
    assert import_questions(bank, zh, xml, "moodlexml").skipped[0][1].startswith("its right answers add up to 150%")


# 5 and 6. Images ------------------------------------------------------------------------------

def _image_question(stem_html, files, *, answer="Yes", feedback=""):
    embedded = "".join(f'<file name="{name}" path="/" encoding="base64">{base64.b64encode(data).decode()}</file>'
                       for name, data in files.items())
    return textwrap.dedent(f"""\
        <?xml version="1.0" encoding="UTF-8"?>
        <quiz>
          <question type="truefalse">
            <name><text>Chart</text></name>
            <questiontext format="html"><text><![CDATA[{stem_html}]]></text>{embedded}</questiontext>
            <answer fraction="100"><text>true</text>
              <feedback format="html"><text><![CDATA[{feedback}]]></text></feedback></answer>
            <answer fraction="0"><text>false</text></answer>
          </question>
        </quiz>
        """)


def test_an_embedded_image_becomes_a_wagtail_image_shown_in_the_stem(bank, zh):
    text = _image_question('<p>Read the chart: <img src="@@PLUGINFILE@@/weekly%20chart.png" alt="Chart"></p>',
                           {"weekly chart.png": png()})
    report = import_questions(bank, zh, text, "moodlexml")
    assert (report.imported, report.skipped) == (1, [])
    image = get_image_model().objects.get()
    url = image.get_rendition("width-960").url
    assert image.title == "weekly chart.png" and (image.width, image.height) == (4, 3)
    assert Question.objects.get().stem == f'Read the chart: <img src="{url}" alt="Chart">'
    assert image.get_rendition("width-960").file.storage.exists(image.get_rendition("width-960").file.name)
    # The same file again: the same image, and the question is unchanged.
    assert import_questions(bank, zh, text, "moodlexml").unchanged == ["ops-chart"]
    assert get_image_model().objects.count() == 1


@pytest.mark.parametrize("stem, files, feedback, reason", [
    ('<a href="@@PLUGINFILE@@/bonjour.mp3">Listen</a>', {"bonjour.mp3": b"ID3\x03\x00\x00\x00\x00\x00\x10TCON"}, "",
     "the embedded file 'bonjour.mp3' is not an image (PNG, JPEG, GIF or WebP): only images are imported"),
    ('<img src="@@PLUGINFILE@@/lost.png">', {}, "",
     "its text shows the file 'lost.png', which the file does not include"),
    ("Right?", {"up.png": png()}, '<img src="@@PLUGINFILE@@/up.png">',
     "an image in an answer or its feedback cannot be imported: our answers and feedback are plain text "
     "(move the image into the question text)"),
    ('<img src="@@PLUGINFILE@@/cut.png">', {"cut.png": png()[:40]}, "",
     "the embedded file 'cut.png' is not an image (PNG, JPEG, GIF or WebP): only images are imported"),
    ('<img src="@@PLUGINFILE@@/x.svg">', {"x.svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'},
     "", "the embedded file 'x.svg' is not an image (PNG, JPEG, GIF or WebP): only images are imported"),
])
def test_a_file_that_is_no_image_or_is_missing_skips_its_question_with_the_reason(bank, zh, stem, files, feedback,
                                                                                  reason):
    report = import_questions(bank, zh, _image_question(stem, files, feedback=feedback), "moodlexml")
    assert report.skipped == [("'Chart' (line 3 <question type=\"truefalse\">)", reason)]
    assert not Question.objects.exists() and not get_image_model().objects.exists()


def test_character_references_are_read_except_those_that_would_become_markup():
    text = "A &quot;quote&quot;, &eacute;t&eacute; &amp; &lt;script&gt;alert(1)&lt;/script&gt; &#39;x&#39;"
    assert html_to_markdown(text) == "A \"quote\", été &amp; &lt;script&gt;alert(1)&lt;/script&gt; 'x'"


def test_a_gift_question_showing_a_file_gift_cannot_carry_is_skipped(bank, zh):
    text = '::Logo::[html]Is this <img src\\="@@PLUGINFILE@@/logo.png"> our logo?{T}\n\n::Plain::Fine?{T}\n'
    report = import_questions(bank, zh, text, "gift")
    assert report.imported == 1 and report.skipped == [
        ("'Logo' (line 1)", "its text shows the file 'logo.png', which the file does not include")]


def test_an_old_style_image_that_is_only_a_link_skips_its_question(bank, zh):
    xml = ('<quiz><question type="truefalse"><name><text>Old</text></name><questiontext><text>Is it?</text>'
           '</questiontext><image>http://example.com/a.png</image><answer fraction="100"><text>true</text></answer>'
           '<answer fraction="0"><text>false</text></answer></question></quiz>')
    assert import_questions(bank, zh, xml, "moodlexml").skipped[0][1] == (
        "its old-style image 'http://example.com/a.png' is a link, not included in the file: export the question "
        "from Moodle 2 or later to include it")


def test_a_gift_export_says_it_links_images_instead_of_holding_them(bank, zh):
    import_questions(bank, zh, _image_question('<img src="@@PLUGINFILE@@/p.png">', {"p.png": png()}), "moodlexml")
    note = ("its images stay links to this site: GIFT cannot hold files (export the bank as Moodle XML to include "
            "them)")
    assert export_notes(bank, zh, "gift") == [("ops-chart", note)] and export_notes(bank, zh, "moodlexml") == []
    assert f"// Note: {note}" in export_bank(bank, zh, "gift")


def test_images_are_exported_as_moodle_file_elements(bank, zh):
    picture = png("blue")
    import_questions(bank, zh, _image_question('<img src="@@PLUGINFILE@@/p.png" alt="P">', {"p.png": picture}),
                     "moodlexml")
    question = ElementTree.fromstring(export_bank(bank, zh, "moodlexml")).find("question")
    assert question.findtext("questiontext/text") == '<img src="@@PLUGINFILE@@/p.png" alt="P">'
    file = question.find("questiontext/file")
    assert (file.get("name"), file.get("encoding"), base64.b64decode(file.text)) == ("p.png", "base64", picture)


# 7. Names ---------------------------------------------------------------------------------------

def test_moodle_names_are_kept_and_written_back_instead_of_our_key(bank, zh):
    import_questions(bank, zh, fixture("questions_in_category.gift.txt"), "gift")
    question = Question.objects.get(name="Moodle acronym")
    assert question.key == "ops-moodle-acronym"
    text = export_bank(bank, zh, "gift")
    assert "// [id:ops-moodle-acronym]\n// [tag:Default for New Features]\n::Moodle acronym::" in text
    names = [q.findtext("name/text") for q in ElementTree.fromstring(export_bank(bank, zh, "moodlexml"))]
    assert sorted(names) == ["Greeting", "Moodle acronym", "Moodle activities", "Moodle user"]
    # Read back, the names stay names and the keys stay keys.
    assert sorted(gift.parse(text).questions[i]["name"] for i in range(4)) == sorted(names)
    report = import_questions(bank, zh, text, "gift")
    assert sorted(report.unchanged) == sorted(Question.objects.values_list("key", flat=True))


# The round trip -------------------------------------------------------------------------------

BANK_XML = textwrap.dedent("""\
    <?xml version="1.0" encoding="UTF-8"?>
    <quiz>
      <question type="category"><category><text>$course$/top/Metrics</text></category></question>
      <question type="multichoice">
        <name><text>Core duty (v2)</text></name>
        <questiontext format="html">
          <text><![CDATA[<p>Which is <strong>not</strong> a duty?
            <img src="@@PLUGINFILE@@/duty.png" alt="Org chart"></p>]]></text>
          <file name="duty.png" path="/" encoding="base64">{duty}</file></questiontext>
        <generalfeedback format="html"><text><![CDATA[<p>See the &quot;org chart&quot;.</p>]]></text></generalfeedback>
        <defaultgrade>2</defaultgrade>
        <single>true</single>
        <answer fraction="100"><text>Servers</text><feedback><text>Engineering does that.</text></feedback></answer>
        <answer fraction="-33.33333"><text>Campaigns</text><feedback><text>A duty.</text></feedback></answer>
        <answer fraction="0"><text>User care</text></answer>
      </question>
      <question type="numerical">
        <name><text>Growth</text></name>
        <questiontext format="html"><text>Growth from 80 to 92, in percent?</text></questiontext>
        <answer fraction="100"><text>15</text><tolerance>0.5</tolerance>
          <feedback><text>Right.</text></feedback></answer>
        <answer fraction="50"><text>15</text><tolerance>2</tolerance><feedback><text>Close.</text></feedback></answer>
        <answer fraction="0"><text>*</text><tolerance>0</tolerance>
          <feedback><text>Divide the change by 80.</text></feedback></answer>
      </question>
      <question type="shortanswer">
        <name><text>DAU</text></name>
        <questiontext format="html"><text>Abbreviation of daily active users?</text></questiontext>
        <answer fraction="100"><text>DAU</text><feedback><text>Yes.</text></feedback></answer>
        <answer fraction="50"><text>D*A*U</text><feedback><text>No dots.</text></feedback></answer>
        <answer fraction="0"><text>*</text><feedback><text>Daily active users.</text></feedback></answer>
      </question>
      <question type="matching">
        <name><text>Families</text></name>
        <questiontext format="html"><text>Match each metric to its family.</text></questiontext>
        <subquestion format="html"><text>Retention</text><answer><text>User growth</text></answer></subquestion>
        <subquestion format="html"><text>Market share</text><answer><text>Commercial</text></answer></subquestion>
        <subquestion format="html"><text></text><answer><text>Engineering</text></answer></subquestion>
      </question>
      <question type="truefalse">
        <name><text>Old picture</text></name>
        <questiontext format="html"><text>Is this a funnel?</text></questiontext>
        <image>funnel.png</image>
        <image_base64>{funnel}</image_base64>
        <answer fraction="0"><text>true</text><feedback><text>It is a pyramid.</text></feedback></answer>
        <answer fraction="100"><text>false</text><feedback><text>Right.</text></feedback></answer>
      </question>
    </quiz>
    """)


def _bank_as_moodle_sees_it(bank, locale):
    """The bank without our keys: names, texts, answers, fractions, feedback, tolerances, images."""
    return sorted((q["name"], q["type"], q["stem"], q["explanation"], q["points"], q["skills"], q["answers"])
                  for q in bank_questions(bank, locale))


def test_a_bank_survives_moodle_xml_to_ops_academy_and_back(bank, zh):
    text = BANK_XML.format(duty=base64.b64encode(png("green")).decode(),
                           funnel=base64.b64encode(png("yellow", (8, 8))).decode())
    first = import_questions(bank, zh, text, "moodlexml")
    assert (first.imported, first.skipped) == (5, [])
    assert get_image_model().objects.count() == 2
    exported = export_bank(bank, zh, "moodlexml")
    assert exported.count("<file ") == 2 and "@@PLUGINFILE@@/duty.png" in exported
    copy = QuestionBank.objects.create(slug="copy", title="Copy")
    second = import_questions(copy, zh, exported, "moodlexml")
    assert (second.imported, second.skipped) == (5, [])
    assert _bank_as_moodle_sees_it(copy, zh) == _bank_as_moodle_sees_it(bank, zh)
    assert get_image_model().objects.count() == 2  # the same pictures, found again
    names = {q["name"]: q for q in bank_questions(copy, zh)}
    assert sorted(names) == ["Core duty (v2)", "DAU", "Families", "Growth", "Old picture"]
    assert [(a["text"], a["tolerance"], a["fraction"]) for a in names["Growth"]["answers"]] == [
        ("15", 0.5, 1.0), ("15", 2.0, 0.5), ("*", 0.0, 0.0)]
    assert names["Core duty (v2)"]["explanation"] == 'See the "org chart".'
    # And once more to Moodle: the same file, but for our keys in <idnumber>.
    again = export_bank(copy, zh, "moodlexml").replace("copy-ops-", "ops-")
    assert again == exported


# 8. The reader's language -----------------------------------------------------------------------

BROKEN = "::Fine::Right?{T}\n\n::Two right::Which?{=a =b ~c}\n\n::Cut::Unclosed {=a ~b\n"


def test_the_command_speaks_its_language_and_ends_each_sentence_once(db, tmp_path, capsys):
    path = tmp_path / "q.gift"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("import_questions", str(path), "--format", "gift", "--bank", "new", "--create-bank",
                     "--language", "zh-hans")
    assert str(error.value) == (f"{path}：第5行：“{{”开始了答案，但没有“}}”结束（字面的花括号请写作\\{{或\\}}）。"
                                "未导入任何内容。")
    path.write_text(BROKEN.rsplit("\n\n", 1)[0] + "\n", encoding="utf-8")
    with pytest.raises(CommandError) as error:  # our rule's own message ends in '。': no '。.' nor '。。'
        call_command("import_questions", str(path), "--format", "gift", "--bank", "new", "--create-bank",
                     "--language", "zh-hans")
    message = str(error.value)
    assert message.startswith(f"{path}：第3行：题目“Two right”：") and message.endswith("。未导入任何内容。")
    assert "。." not in message and "。。" not in message
    path.write_text("::Fine::Right?{T}\n\n::Intro::About metrics.\n", encoding="utf-8")
    call_command("import_questions", str(path), "--format", "gift", "--bank", "new", "--create-bank",
                 "--language", "zh-hans")
    assert capsys.readouterr().out.splitlines() == [
        "已导入1道题，跳过1道", "已跳过“Intro”（第3行）：说明不是题目：它没有可评分的答案"]
    call_command("import_questions", str(path), "--format", "gift", "--bank", "new", "--language", "en")
    assert capsys.readouterr().out.splitlines()[0] == "Imported 1 question, skipped 1"  # into the English bank


@pytest.mark.parametrize("language, expected", [
    ("zh-hans", "第5行：“{”开始了答案，但没有“}”结束（字面的花括号请写作\\{或\\}）。未导入任何内容。"),
    ("en", "line 5: &#x27;{&#x27; opens the answers but no &#x27;}&#x27; closes them (write a literal brace as "
           "\\{ or \\}). Nothing was imported."),
])
def test_the_admin_import_speaks_the_persons_language(client, instructor, bank, language, expected):
    profile = UserProfile.get_for_user(instructor)
    profile.preferred_language = language
    profile.save()
    client.force_login(instructor)
    response = client.post(reverse("quizzes_transfer:import"), {
        "file": SimpleUploadedFile("q.gift", BROKEN.encode()), "format": "gift", "bank": bank.pk,
        "language": "zh-hans"})
    assert expected in response.content.decode()
    assert not Question.objects.exists()

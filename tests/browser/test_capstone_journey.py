"""The three practical question types end to end in a real Chromium: a trainee answers a
calculated question with their own numbers, an SQL lab and an essay with an attachment, and
waits for a grader; an instructor grades the essay with the rubric in the admin; the trainee
reads the rubric feedback, the module is complete and the certificate is issued. Run with
DOCS_SCREENSHOTS=1 to refresh docs/screenshots/grading-*.png and essay-feedback-*.png."""

import re

import pytest
from playwright.sync_api import expect
from wagtail.models import Locale

from certification.models import Certificate, CertificateRule
from courses.models import CompletionRule, ModuleCompletion
from quizzes.models import Attempt, AttemptQuestion, AttemptStatus, QuestionBank, QuizDraw, QuizPage
from quizzes.questions import normalise, write_question
from tests.browser.test_quiz_journey import saving, screenshot, start_attempt
from tests.conftest import INSTRUCTORS, make_user
from tests.quizzes.test_attachments import image
from tests.quizzes.test_calculated import CONVERSION
from tests.quizzes.test_essays import ESSAY
from tests.quizzes.test_sql_labs import LAB

pytestmark = pytest.mark.browser


@pytest.fixture
def capstone_quiz(live_tree):
    """An English module quiz (completing its module) of a calculated question, an SQL lab and
    an essay graded by rubric, with a certificate for passing it; committed."""
    english = Locale.objects.get(language_code="en")
    bank = QuestionBank.objects.create(slug="practice", title="Practice")
    for data in (CONVERSION, LAB, {**ESSAY, "essay": {**ESSAY["essay"], "attachments": 1}}):
        write_question(bank, english, normalise(data))
    module = live_tree.en(live_tree.modules[0])
    for page in (module, live_tree.modules[0]):
        page.completion_rule = CompletionRule.ASSESSMENT
        page.save_revision().publish()
    quiz = QuizPage(title="Practice", slug="practice", draws=[QuizDraw(bank=bank, count=3)], shuffle_choices=False,
                    requires_lessons_complete=False, answers_shown="always")
    module.add_child(instance=quiz)
    quiz.save_revision().publish()
    CertificateRule.objects.create(slug="practice", title="实战", title_en="Practical operations", exam=quiz)
    return live_tree, QuizPage.objects.get(pk=quiz.pk)


def test_a_trainee_answers_three_practical_types_an_instructor_grades_the_essay_and_the_certificate_follows(
        page, live_server, capstone_quiz, log_in):
    tree, quiz = capstone_quiz
    trainee = make_user("capstone@example.com", display_name="Lin Wei")
    log_in(trainee, tree.en(tree.course))
    attempt = start_attempt(page, live_server, quiz, "Start the quiz")

    values = AttemptQuestion.objects.get(attempt=attempt, spec__type="calculated").spec["values"]
    calculated = page.locator("fieldset[data-type=calculated]")
    calculated.get_by_label("Your answer").fill(f"{values['orders'] / values['visitors'] * 100:.2f}")
    saving(page, calculated, lambda: calculated.get_by_label("Your answer").press("Tab"))
    lab = page.locator("fieldset[data-type=sql]")
    lab.get_by_label("Your query").fill("SELECT channel, COUNT(*) AS users FROM users GROUP BY channel")
    saving(page, lab, lambda: lab.get_by_label("Your query").press("Tab"))

    essay = page.locator("fieldset[data-type=essay]")
    expect(essay.get_by_label(re.compile("Your answer"))).to_have_value(re.compile("## Goal"))  # the template
    essay.get_by_label(re.compile("Your answer")).fill(
        "## Goal\nGrow GMV 20% in June.\n\n## Budget\n¥80,000: ¥50,000 coupons, ¥30,000 creators.")
    saving(page, essay, lambda: essay.get_by_label(re.compile("Your answer")).press("Tab"))
    essay.locator("input[type=file]").set_input_files(
        {"name": "funnel.png", "mimeType": "image/png", "buffer": image("PNG")})
    expect(essay.locator(".attachments li")).to_contain_text("funnel.png")

    page.get_by_role("button", name="Submit answers").click()
    page.get_by_role("dialog").get_by_role("button", name="Submit now").click()  # the confirmation
    expect(page).to_have_url(f"{live_server.url}/en/quizzes/attempts/{attempt.pk}/result/")
    expect(page.locator(".notice")).to_contain_text("A grader is reading your answers")
    assert Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.AWAITING
    page.goto(f"{live_server.url}/en/my-learning/")
    expect(page.locator(".notice--dashboard")).to_contain_text("awaiting grading")

    # The instructor grades it in the admin with the rubric.
    log_in(make_user("teacher@example.com", INSTRUCTORS))
    page.goto(f"{live_server.url}/admin/grading/")
    page.get_by_role("link", name=re.compile("campaign-plan|Write a one-page plan")).first.click()
    expect(page.locator("[data-answer]")).to_contain_text("Grow GMV 20% in June.")
    expect(page.locator("[data-attachment]")).to_contain_text("funnel.png")
    page.locator("fieldset[data-criterion=goal] label", has_text="Measurable").click()
    page.locator("fieldset[data-criterion=budget] label", has_text="Costed").click()
    page.get_by_label("Comment on “Budget”").fill("Costed line by line: good.")
    page.get_by_label("Overall feedback").fill("A clear, measurable plan.")
    expect(page.locator("[data-grading-total]")).to_have_text("10")
    screenshot(page, "grading-desktop", 1280, 1500)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Grade saved")

    finished = Attempt.objects.get(pk=attempt.pk)
    assert finished.status == AttemptStatus.FINISHED and finished.percent == 100 and finished.passed
    assert ModuleCompletion.objects.filter(user=trainee, module_key=tree.modules[0].translation_key).exists()
    assert Certificate.objects.filter(user=trainee, rule__slug="practice").exists()

    # The trainee reads the rubric feedback and finds the certificate.
    log_in(trainee)
    page.goto(f"{live_server.url}/en/quizzes/attempts/{attempt.pk}/result/")
    expect(page.locator(".score__value")).to_have_text("100%")
    review = page.locator("article.question", has=page.locator("table.rubric"))
    expect(review.locator("table.rubric")).to_contain_text("Measurable")
    expect(review).to_contain_text("Costed line by line: good.")
    expect(review).to_contain_text("A clear, measurable plan.")
    screenshot(page, "essay-feedback-desktop", 1280, 900)
    screenshot(page, "essay-feedback-phone", 390, 844)
    page.goto(f"{live_server.url}/en/my-certificates/")
    expect(page.locator("main")).to_contain_text("Practical operations")

"""The trainee's skills page in a real Chromium: after graded quizzes, their mastery by area,
readiness for each role with its gaps, and a weak skill's lesson one click away. Run with
DOCS_SCREENSHOTS=1 to refresh docs/screenshots/my-skills-*.png."""

import pytest
from playwright.sync_api import expect
from wagtail.models import Locale

from courses.models import LessonPage
from quizzes.models import Question, QuestionBank, QuizDraw, QuizPage
from quizzes.questions import normalise, write_question
from tests.browser.test_quiz_journey import screenshot
from tests.conftest import make_user
from tests.quizzes.test_mastery import choice, take
from tests.quizzes.test_my_skills import build_framework

pytestmark = pytest.mark.browser


def test_a_trainee_reads_their_skills_and_goes_to_the_lesson_for_a_weak_one(page, live_server, live_tree, log_in):
    skills, _roles = build_framework(skills_per_area=(2, 2), roles=3, requires={
        0: {0: 1, 2: 1}, 1: {0: 2, 1: 2, 2: 1}, 2: {0: 3, 1: 3, 2: 2, 3: 2}})
    bank = QuestionBank.objects.create(slug="skills", title="Skills")
    zh = Locale.objects.get(language_code="zh-hans")
    for n in range(8):
        question, _revision = write_question(bank, zh, normalise(choice(f"k{n}")))
        question.skills.set([skills[n % 3]])
        question.save()
    quiz = QuizPage(title="Skills quiz", slug="skills-quiz", draws=[QuizDraw(bank=bank, count=8)],
                    requires_lessons_complete=False)
    live_tree.modules[0].add_child(instance=quiz)
    quiz.save_revision().publish()
    lesson = live_tree.lessons[0][1]
    for page_of_lesson in (lesson, live_tree.en(lesson)):
        LessonPage.skills.through.objects.create(lessonpage_id=page_of_lesson.pk, skill_id=skills[1].pk)

    trainee = make_user("skills@example.com", display_name="Lin Wei")
    log_in(trainee, live_tree.course)
    quiz = QuizPage.objects.get(pk=quiz.pk)
    strong = {f"k{n}" for n in range(8) if n % 3 != 1}  # skill 1 answered wrong, the others right
    for _ in range(2):
        take(quiz, trainee, right=strong)
    assert Question.objects.filter(skills=skills[1]).exists()

    page.goto(f"{live_server.url}/en/my-skills/")
    expect(page.locator(".skill").first).to_be_visible()
    expect(page.locator(".role").first).to_contain_text("Role 0")
    expect(page.locator("main")).to_contain_text("Skill 1")
    screenshot(page, "my-skills-desktop", 1280, 900)
    screenshot(page, "my-skills-phone", 390, 844)
    page.locator(".practise__lessons a", has_text=live_tree.en(lesson).title).first.click()
    expect(page).to_have_url(f"{live_server.url}{live_tree.en(lesson).url}")

"""Certificate rules for the curriculum: a module certificate per module quiz and the course
certificate 运营专业认证 / Certified Operations Professional (every module quiz and the final
exam). Rules are created once; later edits in the CMS are never overwritten."""

from quizzes.models import QuizPage

from .models import CertificateRule, RuleRequirement

COURSE_RULE = ("certified-operations-professional", "运营专业认证", "Certified Operations Professional")
VALIDITY_MONTHS = 24


def write_certificate_rules(source, pages, report):
    module_quizzes = []
    for module in source.modules:
        quiz = QuizPage.objects.child_of(pages[module.slug]["zh-hans"]).filter(slug="quiz").first()
        if quiz is None:
            continue
        module_quizzes.append(quiz)
        CertificateRule.objects.get_or_create(slug=f"module-{module.slug}", defaults={
            "title": f"{module.title['zh-hans']} · 模块证书",
            "title_en": f"{module.title['en']} · Module Certificate",
            "exam": quiz,
            "validity_months": VALIDITY_MONTHS,
        })
    exam = QuizPage.objects.child_of(pages["course"]["zh-hans"]).filter(slug="final-exam").first()
    if exam is None:
        return
    slug, title, title_en = COURSE_RULE
    rule, created = CertificateRule.objects.get_or_create(slug=slug, defaults={
        "title": title, "title_en": title_en, "exam": exam, "validity_months": VALIDITY_MONTHS,
    })
    if created:
        RuleRequirement.objects.bulk_create(
            RuleRequirement(rule=rule, quiz=quiz, sort_order=i) for i, quiz in enumerate(module_quizzes)
        )
    report.extra["certificate rules"] = CertificateRule.objects.count()

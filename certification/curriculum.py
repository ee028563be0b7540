"""Certificate rules for the curriculum: a module certificate per module quiz and the course
certificate 运营专业认证 / Certified Operations Professional (every module quiz, the final exam,
and the capstone graded at least CAPSTONE_MIN_PERCENT). Rules are created once; later edits in
the CMS are never overwritten. The one addition to an existing rule: when a load first writes the
capstone, the course rule gains it as a requirement, so installations from before the capstone
ask for it too; a requirement an editor later removes stays removed."""

from quizzes.curriculum import CAPSTONE_SLUG
from quizzes.models import QuizPage

from .models import CertificateRule, RuleRequirement

COURSE_RULE = ("certified-operations-professional", "运营专业认证", "Certified Operations Professional")
VALIDITY_MONTHS = 24
CAPSTONE_MIN_PERCENT = 60


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
    course = pages["course"]["zh-hans"]
    exam = QuizPage.objects.child_of(course).filter(slug="final-exam").first()
    if exam is None:
        return
    capstone = QuizPage.objects.child_of(course).filter(slug=CAPSTONE_SLUG).first()
    slug, title, title_en = COURSE_RULE
    rule, created = CertificateRule.objects.get_or_create(slug=slug, defaults={
        "title": title, "title_en": title_en, "exam": exam, "validity_months": VALIDITY_MONTHS,
    })
    if created:
        RuleRequirement.objects.bulk_create(
            RuleRequirement(rule=rule, quiz=quiz, sort_order=i) for i, quiz in enumerate(module_quizzes)
        )
    if capstone is not None and (created or capstone in report.created):
        _require_capstone(rule, capstone)
    report.extra["certificate rules"] = CertificateRule.objects.count()


def _require_capstone(rule, capstone):
    """Add the capstone to `rule` unless it is there already (by any translation)."""
    requirements = RuleRequirement.objects.filter(rule=rule)
    if requirements.filter(quiz__translation_key=capstone.translation_key).exists():
        return
    last = max((n for n in requirements.values_list("sort_order", flat=True) if n is not None), default=-1)
    RuleRequirement.objects.create(rule=rule, quiz=capstone, min_percent=CAPSTONE_MIN_PERCENT, sort_order=last + 1)

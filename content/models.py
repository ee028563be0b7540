"""The skills framework: areas, skills with levels, and the roles of the career ladder with the
skills each requires. Written by `load_curriculum` from `content/curriculum/skills.yaml`, in
both languages side by side (a Chinese field and its `_en` twin, like certificate rules).

Questions and rubric criteria evidence skills (quizzes), lessons teach them (courses), and
people's mastery of them is measured from graded answers (quizzes.mastery).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .localization import localized

LEVELS = (1, 2, 3)


class SkillArea(models.Model):
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("skill area")
        verbose_name_plural = _("skill areas")
        ordering = ["sort_order", "slug"]

    def __str__(self):
        return self.localized_name()

    def localized_name(self):
        return localized(self.name, self.name_en)


class Skill(models.Model):
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    area = models.ForeignKey(SkillArea, on_delete=models.PROTECT, related_name="skills", verbose_name=_("area"))
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description = models.CharField(_("description (Chinese)"), max_length=300, blank=True)
    description_en = models.CharField(_("description (English)"), max_length=300, blank=True)
    # {"1": {"zh-hans": "…", "en": "…"}, "2": …, "3": …}: what each level looks like
    levels = models.JSONField(_("levels"), default=dict)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["area__sort_order", "sort_order", "slug"]

    def __str__(self):
        return self.localized_name()

    def localized_name(self):
        return localized(self.name, self.name_en)

    def localized_description(self):
        return localized(self.description, self.description_en)

    def level_text(self, level):
        text = self.levels.get(str(level)) or {}
        return localized(text.get("zh-hans", ""), text.get("en", ""))


class Role(models.Model):
    """A step of the career ladder and the skills it asks for, at least at a level each."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description = models.CharField(_("description (Chinese)"), max_length=300, blank=True)
    description_en = models.CharField(_("description (English)"), max_length=300, blank=True)
    next_role = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                  verbose_name=_("next role"))
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["sort_order", "slug"]

    def __str__(self):
        return self.localized_name()

    def localized_name(self):
        return localized(self.name, self.name_en)


class RoleRequirement(models.Model):
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="requirements")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField(_("least level"), choices=[(level, str(level)) for level in LEVELS])

    class Meta:
        verbose_name = _("role requirement")
        verbose_name_plural = _("role requirements")
        constraints = [models.UniqueConstraint(fields=["role", "skill"], name="content_role_skill_once")]


class TranslationSync(models.Model):
    """The revision of a translation's source page (the page in the default language) that the
    translation was last brought up to date with: set when the translation is made and when a
    translator marks it up to date (content.translations). A newer source revision means the
    translation is out of date."""

    page = models.OneToOneField("wagtailcore.Page", on_delete=models.CASCADE, primary_key=True, related_name="+")
    source_revision = models.ForeignKey("wagtailcore.Revision", null=True, on_delete=models.SET_NULL, related_name="+")
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("translation status")
        verbose_name_plural = _("translation statuses")

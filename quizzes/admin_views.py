"""Wagtail admin views: upload a Moodle question file into a bank, download a bank as a file.

The views parse the request and call `quizzes.importing`; a malformed file comes back as a
form error naming its line, and nothing is written.
"""

from django import forms
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import include, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin.auth import permission_denied
from wagtail.admin.menu import MenuItem as AdminMenuItem
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Locale

from .formats.common import sentence
from .importing import MAX_FILE_BYTES, FormatError, export_bank, import_questions, read_text
from .models import QuestionBank

IMPORT_FORMAT_CHOICES = [("gift", "GIFT"), ("moodlexml", "Moodle XML"), ("aiken", "Aiken")]
EXPORT_FORMATS = {"gift": ("GIFT", "gift.txt", "text/plain"), "moodlexml": ("Moodle XML", "xml", "application/xml")}


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"))
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=IMPORT_FORMAT_CHOICES)
    bank = forms.ModelChoiceField(label=gettext_lazy("Question bank"), queryset=QuestionBank.objects.all())
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.WAGTAIL_CONTENT_LANGUAGES,
                                 initial=settings.LANGUAGE_CODE)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))  # MAX_FILE_SIZE, in a fixed msgid
        return upload


class ImportQuestionsView(WagtailAdminTemplateMixin, FormView):
    form_class = ImportForm
    template_name = "quizzes/admin/import_questions.html"
    page_title = gettext_lazy("Import questions")
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("quizzes.add_question"):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["exports"] = [
            {"bank": bank, "links": [
                (f"{label} · {language}",
                 f"{reverse('quizzes_transfer:export', args=[bank.slug, fmt])}?language={code}")
                for fmt, (label, _ext, _type) in EXPORT_FORMATS.items()
                for code, language in settings.WAGTAIL_CONTENT_LANGUAGES
            ]}
            for bank in QuestionBank.objects.all()
        ] if self.request.user.has_perm("quizzes.view_question") else []
        return context

    def form_valid(self, form):
        bank, fmt = form.cleaned_data["bank"], form.cleaned_data["format"]
        locale, _created = Locale.objects.get_or_create(language_code=form.cleaned_data["language"])
        try:
            report = import_questions(bank, locale, read_text(form.cleaned_data["file"].read()), fmt)
        except FormatError as error:
            form.add_error("file", _("%(error)s. Nothing was imported.") % {"error": sentence(error)})
            return self.form_invalid(form)
        fresh = self.form_class(initial={"bank": bank, "format": fmt, "language": locale.language_code})
        return self.render_to_response(self.get_context_data(form=fresh, report=report, bank=bank))


def export_questions(request, bank_slug, fmt):
    """The bank's questions in one language (?language=, default the site's) as a download."""
    if not request.user.has_perm("quizzes.view_question"):
        return permission_denied(request)
    if fmt not in EXPORT_FORMATS:
        raise Http404
    bank = get_object_or_404(QuestionBank, slug=bank_slug)
    language = request.GET.get("language") or settings.LANGUAGE_CODE
    locale = get_object_or_404(Locale, language_code=language)
    _label, extension, content_type = EXPORT_FORMATS[fmt]
    response = HttpResponse(export_bank(bank, locale, fmt), content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{bank.slug}-{language}.{extension}"'
    return response


# Wiring for wagtail_hooks.py ----------------------------------------------------------------

class ImportMenuItem(AdminMenuItem):
    def is_shown(self, request):
        return request.user.has_perm("quizzes.add_question")


def menu_item():
    return ImportMenuItem(
        gettext_lazy("Import questions"), reverse("quizzes_transfer:import"), icon_name="upload", order=255
    )


def bank_buttons(snippet, user, next_url=None):
    """“Export as GIFT / Moodle XML” on each row of the question bank listing."""
    if isinstance(snippet, QuestionBank) and user.has_perm("quizzes.view_question"):
        for priority, (fmt, (label, _ext, _type)) in enumerate(EXPORT_FORMATS.items(), 80):
            url = reverse("quizzes_transfer:export", args=[snippet.slug, fmt])
            yield MenuItem(_("Export as %(format)s") % {"format": label}, url, icon_name="download", priority=priority)


def admin_urls():
    return [path("quizzes/transfer/", include((urlpatterns, "quizzes_transfer")))]


urlpatterns = [
    path("import/", ImportQuestionsView.as_view(), name="import"),
    path("export/<slug:bank_slug>/<str:fmt>/", export_questions, name="export"),
]

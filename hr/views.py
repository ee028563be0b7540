"""HR's actions in the Wagtail admin: revoke a certificate (with a reason), assign a course to a
person or a department, and import people from a spreadsheet (departments: `departments`).

Views parse the form and call the owning app's `api` (certification, courses, accounts); each
checks its own permission before looking anything up, so a guessed id tells nothing.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateInput

from accounts import api as accounts_api
from accounts.models import Department, EmployeeProfile
from accounts.people_import import chunks
from certification import api as certification_api
from certification.models import Certificate
from courses import api as courses_api
from courses.models import CoursePage

from . import pending_import
from .assignments import due_date_changes
from .models import ASSIGN_COURSE, IMPORT_PEOPLE, REVOKE_CERTIFICATE
from .report_views import DepartmentChoiceField, HRPermissionMixin
from .tasks import send_course_assigned, send_welcome

WELCOME_BATCH = 500  # people per welcome task


class HRFormView(HRPermissionMixin, WagtailAdminTemplateMixin, FormView):
    header_icon = "form"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]


# Revocation -------------------------------------------------------------------------------------

class RevokeForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=gettext_lazy("Recorded with the revocation and in the audit log."))


class RevokeCertificateView(HRFormView):
    permission = REVOKE_CERTIFICATE
    form_class = RevokeForm
    template_name = "hr/revoke.html"
    page_title = gettext_lazy("Revoke certificate")
    header_icon = "warning"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.certificate_id = kwargs["certificate_id"]

    def get_certificate(self):
        return get_object_or_404(Certificate.objects.select_related("user", "rule"), pk=self.certificate_id)

    def get(self, request, *args, **kwargs):
        self.certificate = self.get_certificate()
        if self.certificate.revoked_at:
            messages.warning(request, _("This certificate was already revoked."))
            return redirect("hr_reports:transcript", self.certificate.user_id)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.certificate = self.get_certificate()
        if self.certificate.revoked_at:
            messages.warning(request, _("This certificate was already revoked."))
            return redirect("hr_reports:transcript", self.certificate.user_id)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        certification_api.revoke_certificate(self.certificate, by=self.request.user, reason=form.cleaned_data["reason"])
        messages.success(self.request, _("Certificate %(code)s of %(holder)s revoked.") % {
            "code": self.certificate.code, "holder": self.certificate.holder_name})
        return redirect("hr_reports:transcript", self.certificate.user_id)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "certificate": self.certificate}


# Assignment ---------------------------------------------------------------------------------------

class AssignForm(forms.Form):
    course = forms.ModelChoiceField(label=gettext_lazy("Course"), queryset=CoursePage.objects.none())
    person_email = forms.EmailField(label=gettext_lazy("Person (email)"), required=False)
    department = DepartmentChoiceField(label=gettext_lazy("Or a department (and everyone below it)"),
                                       queryset=Department.objects.order_by("path"), required=False)
    due_date = forms.DateField(label=gettext_lazy("Due date"), widget=AdminDateInput)

    def __init__(self, *args, **kwargs):
        """Each course once: its page in the admin's language if it has one (assignments are
        by translation key, so any language's page assigns the same course)."""
        super().__init__(*args, **kwargs)
        language, chosen = get_language(), {}
        for pk, key, code in CoursePage.objects.live().order_by("path").values_list(
                "pk", "translation_key", "locale__language_code"):
            if key not in chosen or code == language:
                chosen[key] = pk
        self.fields["course"].queryset = CoursePage.objects.filter(pk__in=chosen.values()).order_by("title")

    def clean(self):
        data = super().clean()
        email, department = data.get("person_email"), data.get("department")
        if bool(email) == bool(department):
            raise forms.ValidationError(_("Choose a person or a department, not both."))
        if email:
            data["user"] = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
            if data["user"] is None:
                self.add_error("person_email", _("Nobody has this email."))
        return data


class AssignCourseView(HRFormView):
    permission = ASSIGN_COURSE
    form_class = AssignForm
    template_name = "hr/assign.html"
    page_title = gettext_lazy("Assign a course")
    header_icon = "calendar"

    def get_initial(self):
        return {"department": self.request.GET.get("department")}

    def form_valid(self, form):
        """Assign, unless someone covered has an earlier due date and HR has not yet said
        whether to extend it: then ask, listing who has an earlier and who a later one."""
        data = form.cleaned_data
        target = {"user": data.get("user"), "department": data.get("department")}
        decision = self.request.POST.get("extend")
        if decision not in ("yes", "no"):
            changes = due_date_changes(data["course"], due_date=data["due_date"], **target)
            if changes.earlier_count:
                self.template_name = "hr/assign_confirm.html"
                return self.render_to_response(self.get_context_data(form=form, changes=changes))
        result = courses_api.assign_course(data["course"], due_date=data["due_date"], by=self.request.user,
                                           extend=decision == "yes", **target)
        transaction.on_commit(lambda: send_course_assigned.enqueue(result.assignment.pk))
        if decision == "yes":
            text = _("“%(course)s” assigned, due %(due)s: %(covered)d covered, %(enrolled)d newly enrolled, "
                     "%(moved)d given the new due date.")
        else:
            text = _("“%(course)s” assigned, due %(due)s: %(covered)d covered, %(enrolled)d newly enrolled, "
                     "%(moved)d given the earlier due date.")
        messages.success(self.request, text % {
            "course": data["course"].title, "due": data["due_date"].isoformat(), "covered": result.covered,
            "enrolled": result.enrolled, "moved": result.due_date_set})
        return redirect("hr_reports:assign")


# People import -----------------------------------------------------------------------------------

class ImportPeopleForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV or XLSX file"))
    dry_run = forms.BooleanField(label=gettext_lazy("Dry run: check and report, write nothing"),
                                 required=False, initial=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        largest = accounts_api.import_limit("PEOPLE_IMPORT_MAX_BYTES")
        if upload.size > largest:  # refused before it is read; the command checks the same limit
            raise forms.ValidationError(
                _("The file is larger than %(size)s.") % {"size": filesizeformat(largest)}
            )
        self.format = upload.name.rsplit(".", 1)[-1].lower()
        if self.format not in ("csv", "xlsx"):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


class ImportPeopleView(HRFormView):
    permission = IMPORT_PEOPLE
    form_class = ImportPeopleForm
    template_name = "hr/import_people.html"
    page_title = gettext_lazy("Import people")
    header_icon = "upload"

    def post(self, request, *args, **kwargs):
        """"Import now" posts the token of the file its dry run kept (`pending_import`)."""
        if "import_token" not in request.POST:
            return super().post(request, *args, **kwargs)
        kept = pending_import.take(request, request.POST["import_token"])
        if kept is None:
            messages.error(request, _("The checked file is no longer kept (it is kept for an hour, for one import): "
                                      "upload it again."))
            return redirect("hr_reports:import_people")
        file, fmt, filename = kept
        try:
            report = accounts_api.import_people(file, fmt)
        except accounts_api.FormatError as error:
            messages.error(request, _("%(error)s Nothing was imported.") % {"error": error})
            return redirect("hr_reports:import_people")
        return self.show(report, filename)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            report = accounts_api.import_people(upload, form.format, dry_run=form.cleaned_data["dry_run"])
        except accounts_api.FormatError as error:
            form.add_error("file", _("%(error)s Nothing was imported.") % {"error": error})
            return self.form_invalid(form)
        token = None
        if report.ok and report.dry_run and (report.created or report.updated or report.departments_created):
            token = pending_import.keep(self.request, upload, form.format)
        return self.show(report, upload.name, token)

    def show(self, report, filename, token=None):
        if report.written and report.created:
            self.welcome(report.created)
        return self.render_to_response(self.get_context_data(
            form=self.form_class(), report=report, filename=filename, import_token=token))

    def welcome(self, employee_ids):
        """A welcome mail with a set-password link to each person the import created, after
        the import's transaction (which has committed by now)."""
        for chunk in chunks(employee_ids):
            user_ids = list(EmployeeProfile.objects.filter(employee_id__in=chunk).values_list("user_id", flat=True))
            for batch in chunks(user_ids, WELCOME_BATCH):
                transaction.on_commit(lambda batch=batch: send_welcome.enqueue(batch))

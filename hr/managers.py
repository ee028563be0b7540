"""Managers in HR's admin: a Wagtail `ModelViewSet` at /admin/hr/managers/ (list, appoint,
change department, dismiss), registered in `wagtail_hooks`.

A manager is a person in the Managers group with a `ManagerScope` (the department they oversee
with everything below it); `hr.api` keeps the two together. HR manages them under its own
permission for people and departments (`hr.import_people`), as it manages departments, so it
holds no user or group permission: it can make someone a manager and nothing more.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import DeleteView, IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import log
from wagtail.permission_policies import BasePermissionPolicy

from accounts.models import Department

from . import api
from .departments import DepartmentPermissionPolicy
from .models import IMPORT_PEOPLE, ManagerScope
from .report_views import DepartmentChoiceField


class ManagerPermissionPolicy(BasePermissionPolicy):
    def user_has_permission(self, user, action):
        return user.has_perm(IMPORT_PEOPLE)  # every action: superusers hold every permission

    def users_with_any_permission(self, actions):
        return DepartmentPermissionPolicy(Department).users_with_any_permission(["change"])


class ManagerForm(WagtailAdminModelForm):
    email = forms.EmailField(label=gettext_lazy("Person (email)"))
    department = DepartmentChoiceField(label=gettext_lazy("Manages (and everything below it)"),
                                       queryset=Department.objects.order_by("path"))

    class Meta:
        model = ManagerScope
        fields = ["department"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # the person stays; only their department changes
            self.fields["email"].disabled = True
            self.initial["email"] = self.instance.user.email

    def clean_email(self):
        email = self.cleaned_data["email"]
        if self.instance.pk:
            return email
        self.person = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if self.person is None:
            raise forms.ValidationError(_("Nobody has this email."))
        current = ManagerScope.objects.filter(user=self.person).select_related("department").first()
        if current is not None:
            raise forms.ValidationError(_("%(person)s already manages %(department)s: change that instead.") % {
                "person": self.person, "department": current.department})
        return email

    def save(self, commit=True):
        person = self.instance.user if self.instance.pk else self.person
        self.instance = api.appoint_manager(person, self.cleaned_data["department"])
        return self.instance


class ManagerIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user", "department").order_by(
            "department__path", "user__display_name", "user__email")

    @cached_property
    def columns(self):
        return [
            TitleColumn("manager", label=gettext_lazy("Manager"), accessor="user", get_url=self.get_edit_url),
            Column("email", label=gettext_lazy("Email"), accessor="user.email"),
            Column("department", label=gettext_lazy("Manages (and everything below it)"), accessor="department.name"),
        ]


class DismissManagerView(DeleteView):
    def delete_action(self):
        with transaction.atomic():
            log(instance=self.object, action="wagtail.delete", user=self.request.user, deleted=True)
            api.dismiss_manager(self.object.user)


class ManagerViewSet(ModelViewSet):
    model = ManagerScope
    icon = "user"
    url_prefix = "hr/managers"
    url_namespace = "hr_managers"
    index_view_class = ManagerIndexView
    delete_view_class = DismissManagerView
    copy_view_enabled = False
    inspect_view_enabled = False
    add_to_reference_index = False
    list_per_page = 100

    def get_form_class(self, for_update=False):
        return ManagerForm

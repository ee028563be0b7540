"""Departments in HR's admin: a Wagtail `ModelViewSet` (list, add, edit, history) at
/admin/hr/departments/, registered in `wagtail_hooks`.

It runs under HR's own permission (`hr.import_people`, "import people and manage
departments") rather than Django's per-model ones, so that HR holds no model permission
beyond its own; deleting, which would take a whole sub-tree with it, is left to superusers.
Departments are a treebeard tree kept in name order (`accounts.models.Department`): a new one
is added by `accounts.api.add_department`, and renaming or moving one re-sorts it among its
new siblings (`accounts.api.change_department`).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import ButtonsColumnMixin, Column, TitleColumn, UpdatedAtColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button
from wagtail.permission_policies import BasePermissionPolicy

from accounts import api as accounts_api
from accounts.models import Department

from .models import IMPORT_PEOPLE
from .report_views import DepartmentChoiceField, indented_name


class DepartmentPermissionPolicy(BasePermissionPolicy):
    def user_has_permission(self, user, action):
        if action == "delete":
            return user.is_active and user.is_superuser
        return user.has_perm(IMPORT_PEOPLE)  # add, change, view (superusers hold every permission)

    def users_with_any_permission(self, actions):
        superusers = Q(is_active=True, is_superuser=True)
        if set(actions) <= {"delete"}:
            return get_user_model().objects.filter(superusers)
        app_label, codename = IMPORT_PEOPLE.split(".")
        permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        holders = Q(is_active=True) & (Q(groups__permissions__in=permission) | Q(user_permissions__in=permission))
        return get_user_model().objects.filter(superusers | holders).distinct()


class DepartmentForm(WagtailAdminModelForm):
    parent = DepartmentChoiceField(label=_("Part of"), queryset=Department.objects.none(), required=False,
                                   empty_label=_("(top level)"))

    class Meta:
        model = Department
        fields = ["name", "code"]
        help_texts = {"code": _("Letters, digits and “-”; used by people imports.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = Department.objects.order_by("path")
        if self.instance.pk:  # never under itself or below it
            choices = choices.exclude(path__startswith=self.instance.path)
            self.initial.setdefault("parent", self.instance.get_parent())
        self.fields["parent"].queryset = choices

    def save(self, commit=True):
        data = self.cleaned_data
        if self.instance._state.adding:
            self.instance = accounts_api.add_department(data["name"], code=data["code"], parent=data["parent"])
        elif self.has_changed():
            self.instance = accounts_api.change_department(self.instance, name=data["name"], code=data["code"],
                                              parent=data["parent"])
        return self.instance


class DepartmentIndexView(IndexView):
    """The tree in order, each department indented by depth, with its people (its own, not
    those below) and ways to its compliance, its skills and to assigning it a course."""

    def get_base_queryset(self):
        return super().get_base_queryset().annotate(people=Count("employees")).order_by("path")

    @cached_property
    def columns(self):
        view = self

        class NameColumn(ButtonsColumnMixin, TitleColumn):
            def get_buttons(self, instance, parent_context):
                return view.get_list_buttons(instance)

        return [
            NameColumn("name", label=_("Department"), accessor=indented_name,
                       get_url=self.get_edit_url),
            Column("code", label=_("Code")),
            Column("people", label=_("People")),
            UpdatedAtColumn(),
        ]

    def get_list_more_buttons(self, instance):
        return [
            *super().get_list_more_buttons(instance),
            Button(_("Compliance"), url=f"{reverse('hr_reports:matrix')}?department={instance.pk}",
                          icon_name="table", priority=40),
            Button(_("Skills"), url=f"{reverse('hr_reports:skills')}?department={instance.pk}",
                          icon_name="table", priority=45),
            Button(_("Assign a course"), url=f"{reverse('hr_reports:assign')}?department={instance.pk}",
                          icon_name="calendar", priority=50),
        ]


class DepartmentViewSet(ModelViewSet):
    model = Department
    icon = "group"
    url_prefix = "hr/departments"
    url_namespace = "hr_departments"
    index_view_class = DepartmentIndexView
    copy_view_enabled = False
    add_to_reference_index = False  # nothing points at departments through content
    list_per_page = 100

    def get_form_class(self, for_update=False):
        return DepartmentForm

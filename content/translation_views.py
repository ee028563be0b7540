"""Admin views of translations that fell behind their source (content.translations): the
list of them (Reports menu), a redirect to what changed, and marking one up to date; and the
hooks (content.wagtail_hooks) that warn in an out-of-date translation's editor and flag its row
in the page explorer."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import ListingButton
from wagtail.models import Page

from . import translations

PERMISSION = "simple_translation.submit_translation"


def editable_translation(request, page_id):
    """The page `page_id` as a translation the user may edit, with its state; 404 if it is no
    translation or its source has nothing to compare, 403 if the user may not edit it."""
    page = get_object_or_404(Page, pk=page_id)
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    state = translations.translation_state(page)
    if state is None:
        raise Http404("not a translation")
    return page, state


def changes(request, page_id):
    _page, state = editable_translation(request, page_id)
    return redirect(state.changes_url)


class MarkSyncedView(WagtailAdminTemplateMixin, TemplateView):
    """GET asks, POST records that the translation now matches its source's current revision."""

    template_name = "content/admin/translation_mark_synced.html"
    page_title = _("Mark translation as up to date")
    header_icon = "globe"

    def dispatch(self, request, page_id):
        self.page, self.state = editable_translation(request, page_id)
        return super().dispatch(request, page_id)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "page": self.page, "state": self.state}

    def post(self, request, page_id):
        translations.mark_translation_synced(self.page, source_revision_id=self.state.current_revision_id)
        message = _("'%(title)s' is marked as up to date with its source.") % {"title": self.page.title}
        messages.success(request, message)
        return redirect("wagtailadmin_pages:edit", self.page.pk)


class OutdatedIndexView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "content/admin/translations_outdated.html"
    page_title = _("Translations to update")
    header_icon = "globe"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "rows": translations.outdated_translations()}


def editor_banner(request, page):
    """`before_edit_page`: an out-of-date translation's editor opens with a warning that links
    to what changed in the source and to marking the translation up to date."""
    if request.method != "GET":
        return
    state = translations.translation_state(page)
    if state is None or not state.outdated:
        return
    messages.warning(
        request,
        _("Source changed since translation: the %(language)s page was edited after this one was last brought "
          "up to date.") % {"language": state.source.locale.get_display_name()},
        buttons=[
            messages.button(reverse("content_translations:changes", args=[page.pk]), _("See changes")),
            messages.button(reverse("content_translations:mark_synced", args=[page.pk]), _("Mark as up to date")),
        ],
    )


def explorer_queryset(parent_page, pages, request):
    """`construct_explorer_page_queryset`: the listing knows which translations are behind."""
    return translations.annotate_source_changed(pages)


def listing_buttons(page, user, next_url=None):
    """`register_page_listing_buttons`: an out-of-date translation's row says so and links to
    what changed in its source."""
    if getattr(page, "source_changed", False):
        yield ListingButton(
            _("Source changed — see changes"), reverse("content_translations:changes", args=[page.pk]),
            icon_name="warning", priority=5,
        )


def admin_urls():
    urls = [
        path("", OutdatedIndexView.as_view(), name="outdated"),
        path("<int:page_id>/changes/", changes, name="changes"),
        path("<int:page_id>/mark-synced/", MarkSyncedView.as_view(), name="mark_synced"),
    ]
    return [path("translations/", include((urls, "content_translations")))]


class TranslationsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(PERMISSION)


def menu_item():
    return TranslationsMenuItem(
        _("Translations to update"), reverse("content_translations:outdated"), icon_name="globe", order=150
    )

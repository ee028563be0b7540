"""The page editor's "Submit to <workflow>" in the admin's language.

Wagtail names the action after the workflow, whose name is one string in the database (its own
migration calls the default one "Moderators approval"), so the Chinese admin read
"提交给Moderators approval". Ours says "submit for review" in the admin's language whatever
the workflow is called."""

from django.utils.translation import gettext
from wagtail.admin.action_menu import SubmitForModerationMenuItem


class SubmitForReviewMenuItem(SubmitForModerationMenuItem):
    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        page = context.get("page")
        state = page.current_workflow_state if page else None
        if state and state.status == state.STATUS_NEEDS_CHANGES:
            context["label"] = gettext("Resubmit for review")
        else:
            context["label"] = gettext("Submit for review")
        return context


def relabel_submit(menu_items, request, context):
    for index, item in enumerate(menu_items):
        if item.name == SubmitForModerationMenuItem.name and not isinstance(item, SubmitForReviewMenuItem):
            menu_items[index] = SubmitForReviewMenuItem(order=item.order)

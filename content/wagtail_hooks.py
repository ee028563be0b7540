from wagtail import hooks

from . import translation_views, workflow_labels

hooks.register("register_admin_urls", translation_views.admin_urls)
hooks.register("register_reports_menu_item", translation_views.menu_item)
hooks.register("before_edit_page", translation_views.editor_banner)
hooks.register("construct_explorer_page_queryset", translation_views.explorer_queryset)
hooks.register("register_page_listing_buttons", translation_views.listing_buttons)
hooks.register("construct_page_action_menu", workflow_labels.relabel_submit)

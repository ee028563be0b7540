"""Whether a page's translation is up to date with its source, and what changed since.

The source is the page in the default language (Chinese first); every other page sharing its
`translation_key` is a translation. A translation is synced from the source revision stored in
`TranslationSync` (when it was made through *Translate*, or marked up to date by a translator);
a translation without that row (written by `load_curriculum`, or made before tracking) counts
as synced from the source revision that was newest when the translation was last saved. The
translation is out of date when the source's published revision (its newest, if never
published) is a later one; Wagtail's revision comparison shows what changed.
"""

from dataclasses import dataclass

from django.db.models import BooleanField, Case, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from wagtail.models import Locale, Page, Revision

from .models import TranslationSync


@dataclass
class TranslationState:
    page: Page
    source: Page
    synced_revision_id: int | None  # None: made before the source had any revision we know of
    current_revision_id: int

    @property
    def outdated(self):
        return self.synced_revision_id is None or self.current_revision_id > self.synced_revision_id

    @property
    def changes_url(self):
        """Wagtail's comparison of the source from the synced revision to the current one."""
        start = self.synced_revision_id or "earliest"
        return reverse("wagtailadmin_pages:revisions_compare", args=[self.source.pk, start, self.current_revision_id])


def current_revision_id(source):
    return source.live_revision_id or source.latest_revision_id


def source_of(page):
    """The page's source in the default language, or None if `page` is itself a source."""
    default = Locale.get_default()
    if page.locale_id == default.pk:
        return None
    return Page.objects.filter(translation_key=page.translation_key, locale=default).first()


def translation_state(page):
    """The state of `page` as a translation, or None if it is a source or its source has no
    revision (nothing to compare)."""
    source = source_of(page)
    if source is None or not current_revision_id(source):
        return None
    row = TranslationSync.objects.filter(page_id=page.pk).first()
    synced = row.source_revision_id if row else baseline_revision_id(source, page)
    return TranslationState(page, source, synced, current_revision_id(source))


def baseline_revision_id(source, page):
    """The source revision that was newest when `page` was last saved (rows missing)."""
    if page.latest_revision_created_at is None:
        return None
    return (
        Revision.page_revisions.filter(object_id=str(source.pk), created_at__lte=page.latest_revision_created_at)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )


def outdated_translations():
    """Every translation whose source changed since it was synced, in tree order: three
    queries (translations, their sources, the stored sync rows) whatever their number."""
    default = Locale.get_default()
    translations = list(
        Page.objects.filter(depth__gt=1).exclude(locale=default).select_related("locale").order_by("path")
    )
    sources = {
        page.translation_key: page
        for page in Page.objects.filter(
            locale=default, translation_key__in=[t.translation_key for t in translations]
        ).select_related("live_revision", "locale")
    }
    rows = dict(
        TranslationSync.objects.filter(page_id__in=[t.pk for t in translations]).values_list(
            "page_id", "source_revision_id"
        )
    )
    outdated = []
    for page in translations:
        source = sources.get(page.translation_key)
        if source is None or not current_revision_id(source):
            continue
        if page.pk in rows:
            synced_id = rows[page.pk]
            stale = synced_id is None or current_revision_id(source) > synced_id
        else:  # by time, as baseline_revision_id; the exact revision is found when asked
            changed_at = source.live_revision.created_at if source.live_revision else source.latest_revision_created_at
            stale = page.latest_revision_created_at is None or changed_at > page.latest_revision_created_at
        if stale:
            outdated.append((page, source))
    return outdated


def annotate_source_changed(pages):
    """`pages` with `source_changed`: whether each is a translation whose source changed since
    it was synced, by the same rules as `translation_state`, in the listing's own query."""
    default = Locale.get_default()
    sources = Page.objects.filter(translation_key=OuterRef("translation_key"), locale=default)
    current = sources.annotate(current=Coalesce("live_revision_id", "latest_revision_id")).values("current")[:1]
    changed_at = sources.annotate(at=Coalesce("live_revision__created_at", "latest_revision_created_at"))
    synced = TranslationSync.objects.filter(page_id=OuterRef("pk")).values("source_revision_id")[:1]
    return pages.annotate(
        source_current=Subquery(current), source_changed_at=Subquery(changed_at.values("at")[:1]),
        source_synced=Subquery(synced),
    ).annotate(source_changed=Case(
        When(Q(locale=default) | Q(source_current__isnull=True), then=Value(False)),
        When(source_synced__isnull=False, then=Q(source_current__gt=F("source_synced"))),
        When(latest_revision_created_at__isnull=True, then=Value(True)),
        When(source_changed_at__gt=F("latest_revision_created_at"), then=Value(True)),
        default=Value(False), output_field=BooleanField(),
    ))


def mark_translation_synced(page, *, source_revision_id):
    """Record that `page` is up to date with its source's revision `source_revision_id`."""
    TranslationSync.objects.update_or_create(page_id=page.pk, defaults={"source_revision_id": source_revision_id})

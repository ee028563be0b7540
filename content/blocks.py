"""StreamField blocks shared by every app. Markdown is the default block of a lesson body."""

from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

from .markdown import render_markdown


class MarkdownBlock(blocks.TextBlock):
    """Markdown source, rendered through `render_markdown` (sanitised, cached)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("rows", 12)
        super().__init__(**kwargs)

    def render_basic(self, value, context=None):
        return mark_safe(render_markdown(value))

    class Meta:
        icon = "doc-full"
        label = _("Markdown")
        description = _("Text written in Markdown: paragraphs, lists, tables, code.")
        preview_value = "## 例子 Example\n\n- 留存率 retention\n- 转化率 conversion"


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("heading"))
    level = blocks.ChoiceBlock(
        choices=[("h2", _("Section")), ("h3", _("Subsection"))], default="h2", label=_("level")
    )

    class Meta:
        icon = "title"
        label = _("Heading")
        template = "content/blocks/heading_block.html"
        description = _("A section heading.")
        preview_value = {"text": "AARRR 漏斗", "level": "h2"}


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    caption = blocks.CharBlock(required=False, label=_("caption"))

    class Meta:
        icon = "image"
        label = _("Image")
        template = "content/blocks/image_block.html"
        description = _("An image with an optional caption.")
        preview_value = {"caption": "Funnel"}


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[("tip", _("Tip")), ("note", _("Note")), ("warning", _("Warning")), ("exercise", _("Exercise"))],
        default="tip",
        label=_("kind"),
    )
    title = blocks.CharBlock(required=False, label=_("title"))
    text = MarkdownBlock(rows=4, label=_("text"))

    class Meta:
        icon = "help"
        label = _("Callout")
        template = "content/blocks/callout_block.html"
        description = _("A highlighted tip, note, warning or exercise.")
        preview_value = {"kind": "tip", "title": "小提示", "text": "先定目标，再谈方法。"}


class KeyPointsBlock(blocks.StructBlock):
    title = blocks.CharBlock(required=False, label=_("title"))
    points = blocks.ListBlock(blocks.CharBlock(label=_("point")), label=_("points"))

    class Meta:
        icon = "list-ul"
        label = _("Key points")
        template = "content/blocks/key_points_block.html"
        description = _("A short list of the lesson's key points.")
        preview_value = {"title": "要点", "points": ["用户价值", "企业效益"]}


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(label=_("video URL"))
    caption = blocks.CharBlock(required=False, label=_("caption"))

    class Meta:
        icon = "media"
        label = _("Video")
        template = "content/blocks/video_block.html"
        description = _("An embedded video (YouTube, Bilibili…).")
        preview_value = {"caption": "Video"}


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    label = blocks.CharBlock(required=False, label=_("link text"))

    class Meta:
        icon = "doc-full-inverse"
        label = _("Document")
        template = "content/blocks/document_block.html"
        description = _("A file to download: a worksheet, a template, slides.")
        preview_value = {"label": "Worksheet"}


class LessonBodyBlock(blocks.StreamBlock):
    markdown = MarkdownBlock()
    heading = HeadingBlock()
    image = ImageBlock()
    callout = CalloutBlock()
    key_points = KeyPointsBlock()
    video = VideoBlock()
    document = DocumentBlock()

    class Meta:
        block_counts = {}

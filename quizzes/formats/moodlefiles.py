"""Images embedded in Moodle XML: `<file name="…" encoding="base64">` beside a text that
refers to it as `@@PLUGINFILE@@/name`, and Moodle 1.9's `<image>`/`<image_base64>`.

Parsing stays pure: a question's data gets `files` ({name: bytes}, each checked here with
Pillow to be an image) and its texts keep `@@PLUGINFILE@@/name`; quizzes.importing stores
the files as Wagtail images and puts their URLs in. Only stems and general feedback (Markdown,
which shows images) may refer to files: answers and their feedback are plain text here.
"""

import base64
import binascii
import re
import warnings
from io import BytesIO
from urllib.parse import quote, unquote

from django.utils.translation import gettext
from PIL import Image, UnidentifiedImageError

from .xmlparts import Skip, text_at

PLUGINFILE = "@@PLUGINFILE@@/"
REFERENCE = re.compile(r"@@PLUGINFILE@@/([^\s\"'<>()]+)")
# What Wagtail serves as images (and browsers show); Pillow reads more than this.
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}
MAX_PIXELS = 40_000_000  # a question's picture; more is a decompression bomb, not a diagram


def referenced(text):
    """The file names `text` refers to, decoded as Moodle encodes them (rawurlencode)."""
    return {unquote(name) for name in REFERENCE.findall(text)}


def embedded(element, tags):
    """{name: base64 text} of the `<file>` elements under each of `tags` of `element`."""
    files = {}
    for tag in tags:
        for file in element.findall(f"{tag}/file"):
            files[file.get("name", "")] = file.text or ""
    return files


def old_image(element):
    """Moodle 1.9's image of a question: (name, base64 text), or None. Moodle (qformat_xml
    import_headers) adds it to the question text as an <img>; we do the same in Markdown."""
    name, data = text_at(element, "image"), text_at(element, "image_base64")
    if not name and not data:
        return None
    if not data:
        raise Skip(gettext("its old-style image '%(name)s' is a link, not included in the file: export the "
                           "question from Moodle 2 or later to include it") % {"name": name})
    return name.rsplit("/", 1)[-1] or "image", data


def files_for(texts, available, elsewhere):
    """{name: image bytes} for the files `texts` (stem, general feedback) refer to; Skip with
    the reason if one is missing, is not an image, or is referred to where we cannot show it
    (`elsewhere`: the answers' and feedback's texts)."""
    for text in elsewhere:
        if referenced(text):
            raise Skip(gettext("an image in an answer or its feedback cannot be imported: our answers and "
                               "feedback are plain text (move the image into the question text)"))
    files = {}
    for name in sorted(set().union(*(referenced(t) for t in texts))):
        if name not in available:
            raise Skip(gettext("its text shows the file '%(name)s', which the file does not include")
                       % {"name": name})
        files[name] = image_bytes(name, available[name])
    return files


def image_bytes(name, encoded):
    """The decoded image; Skip if it is not base64, or not a PNG, JPEG, GIF or WebP image."""
    try:
        data = base64.b64decode("".join(encoded.split()), validate=True)
    except (binascii.Error, ValueError):
        raise Skip(gettext("the embedded file '%(name)s' is not valid base64") % {"name": name}) from None
    if image_format(data) is None:
        raise Skip(gettext("the embedded file '%(name)s' is not an image (PNG, JPEG, GIF or WebP): only images "
                           "are imported") % {"name": name})
    return data


def image_format(data):
    """Pillow's name for the image format of `data`, or None if it is not an image we serve."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    return None
                image.verify()  # reads the whole file: a truncated or corrupt image fails here
                kind = image.format
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError,
            OSError, SyntaxError, ValueError):
        return None
    return kind if kind in IMAGE_FORMATS else None


def embed(texts, files):
    """(texts with each image URL replaced by `@@PLUGINFILE@@/name`, {name: bytes}) for the
    export: `files` maps each URL to (name, bytes)."""
    used, out = {}, []
    for text in texts:
        for url, (name, data) in sorted(files.items()):
            if url in text:
                while used.get(name, data) != data:  # two images of one title: Moodle needs distinct names
                    name = f"_{name}"
                text = text.replace(url, PLUGINFILE + quote(name))
                used[name] = data
        out.append(text)
    return out, used

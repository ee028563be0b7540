"""The curriculum's templates (templates/templates.yaml) as Wagtail documents, and the links to
them: lessons' `:::download` blocks and the list at the end of the course introduction.

Each template is one document per language in the collection COLLECTION, found again by its
title there. A load creates what is missing and puts the shipped file in place of one that
differs (same document, same id: lessons keep their links); an unchanged file is left alone, so
a second load writes nothing. The files are generated (templates/build.py): change them there.
"""

import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from wagtail.documents import get_document_model
from wagtail.models import Collection

COLLECTION = "课程模板 Curriculum templates"


def _collection():
    root = Collection.get_first_root_node()
    found = root.get_children().filter(name=COLLECTION).first()
    return found or root.add_child(name=COLLECTION)


@transaction.atomic
def write_templates(templates, report):
    """{(slug, language): Document} for every template and language, written as needed."""
    Document = get_document_model()
    collection = _collection()
    existing = {doc.title: doc for doc in Document.objects.filter(collection=collection)}
    documents, counts = {}, {"created": 0, "updated": 0}
    for template in templates.templates:
        for language, path in template.files.items():
            title = template.title[language]
            data = path.read_bytes()
            doc = existing.get(title)
            if doc is None:
                doc = Document(title=title, collection=collection)
                counts["created"] += 1
            elif doc.file_hash == _sha1(data) and doc.file.storage.exists(doc.file.name):
                documents[template.slug, language] = doc
                continue
            else:  # the new file takes the old one's name, so the document's URL stays
                doc.file.delete(save=False)
                counts["updated"] += 1
            doc.file.save(path.name, ContentFile(data), save=False)
            doc._set_document_file_metadata()
            doc.save()
            documents[template.slug, language] = doc
    report.extra.update({f"templates {name}": count for name, count in counts.items() if count})
    return documents


def _sha1(data):
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()  # what Wagtail keeps as file_hash


def _downloads(body):
    return [block for block in body if block["type"] == "document" and "template" in block["value"]]


def resolve_body(body, documents, language):
    """The lesson body with each download's template slug replaced by its document's id."""
    def resolved(block):
        document = documents[block["value"]["template"], language]
        return {"type": "document", "value": {"document": document.pk, "label": block["value"]["label"]}}

    downloads = _downloads(body)
    return [resolved(block) if block in downloads else block for block in body]


def links(body, documents, language):
    """What a lesson's links point at (document ids and file names), for its page's digest: a
    document written anew (a new id) rewrites the lesson even when its text did not change."""
    found = [documents[block["value"]["template"], language] for block in _downloads(body)]
    return ";".join(f"{document.pk}:{document.filename}" for document in found)


def course_section(templates, documents, language):
    """Markdown for the end of the course introduction: a heading and one link per template."""
    lines = [f"## {templates.heading[language]}", ""]
    if templates.introduction[language]:
        lines += [templates.introduction[language].strip(), ""]
    for template in templates.templates:
        doc = documents[template.slug, language]
        title, description = template.title[language], template.description[language].strip()
        extension = doc.file_extension.upper()
        if language == "zh-hans":
            lines.append(f"- [{title}（{extension}）]({doc.url})：{description}")
        else:
            lines.append(f"- [{title} ({extension})]({doc.url}): {description}")
    return "\n".join(lines)

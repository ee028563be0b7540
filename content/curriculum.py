"""Read the curriculum files (see content/curriculum/FORMAT.md) into plain data.

Nothing here touches the database: `read_curriculum` either returns the whole course or raises
`CurriculumError` naming the file and line at fault, so a loader can validate everything
before it writes anything.
"""

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

LANGUAGES = ("zh-hans", "en")
CONTAINER_KINDS = {"tip", "note", "warning", "keypoints"}
CONTAINER_OPEN = re.compile(r"^:::(?P<kind>[\w-]+)[ \t]*(?P<title>.*)$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class CurriculumError(Exception):
    def __init__(self, path, line, message):
        self.path, self.line, self.message = Path(path), line, message
        super().__init__(f"{path}:{line}: {message}")


@dataclass
class LessonText:
    title: str
    summary: str
    estimated_minutes: int
    body: list  # StreamField data: [{"type": ..., "value": ...}]


@dataclass
class LessonSource:
    slug: str
    texts: dict  # language → LessonText
    files: list = field(default_factory=list)

    def digest(self, language):
        return _digest(asdict(self.texts[language]))


@dataclass
class ModuleSource:
    slug: str
    estimated_minutes: int
    prerequisite: str | None
    title: dict
    introduction: dict
    objectives: dict
    lessons: list
    folder: Path
    questions: list = field(default_factory=list)  # dicts from questions.yaml, each with "_line"

    def digest(self, language):
        fields = {"minutes": self.estimated_minutes, "prerequisite": self.prerequisite, "assessed": bool(self.questions)}
        for name in ("title", "introduction", "objectives"):
            fields[name] = getattr(self, name)[language]
        return _digest(fields)


@dataclass
class CourseSource:
    slug: str
    title: dict
    summary: dict
    introduction: dict
    modules: list

    def digest(self, language):
        return _digest([self.title[language], self.summary[language], self.introduction[language]])


def _digest(data):
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def read_curriculum(directory) -> CourseSource:
    directory = Path(directory)
    course = _load_yaml(directory / "course.yaml")
    _require(course, directory / "course.yaml", ["slug", "title", "summary", "introduction"])
    modules = [_read_module(folder) for folder in sorted(directory.iterdir()) if _is_module(folder)]
    earlier = set()
    for module in modules:
        if module.prerequisite and module.prerequisite not in earlier:
            raise CurriculumError(
                module.folder / "module.yaml", 1,
                f"prerequisite '{module.prerequisite}' is not a module that comes before this one",
            )
        earlier.add(module.slug)
    return CourseSource(
        slug=course["slug"],
        title=_both(course, "title", directory / "course.yaml"),
        summary=_both(course, "summary", directory / "course.yaml"),
        introduction=_both(course, "introduction", directory / "course.yaml"),
        modules=modules,
    )


def _is_module(path):
    return path.is_dir() and re.match(r"^\d\d-", path.name) is not None


def _read_module(folder):
    meta_path = folder / "module.yaml"
    meta = _load_yaml(meta_path)
    _require(meta, meta_path, ["slug", "title", "introduction", "objectives"])
    if not SLUG.match(str(meta["slug"])):
        raise CurriculumError(meta_path, 1, f"slug '{meta['slug']}' is not a lowercase-hyphen slug")
    objectives = _both(meta, "objectives", meta_path)
    if not all(isinstance(items, list) for items in objectives.values()):
        raise CurriculumError(meta_path, 1, "objectives must be lists")
    stems = sorted({p.name.split(".")[0] for p in folder.glob("*.md")})
    lessons = [_read_lesson(folder, stem) for stem in stems]
    if not lessons:
        raise CurriculumError(meta_path, 1, "the module has no lessons")
    questions_path = folder / "questions.yaml"
    return ModuleSource(
        questions=read_question_file(questions_path) if questions_path.exists() else [],
        slug=meta["slug"],
        estimated_minutes=int(meta.get("estimated_minutes") or 60),
        prerequisite=meta.get("prerequisite"),
        title=_both(meta, "title", meta_path),
        introduction=_both(meta, "introduction", meta_path),
        objectives=objectives,
        lessons=lessons,
        folder=folder,
    )


def _read_lesson(folder, stem):
    texts, slug, files = {}, None, []
    for language in LANGUAGES:
        path = folder / f"{stem}.{language}.md"
        if not path.exists():
            raise CurriculumError(path, 1, f"lesson '{stem}' has no {language} version")
        front, body, body_line = split_front_matter(path)
        _require(front, path, ["slug", "title"])
        if slug is not None and front["slug"] != slug:
            raise CurriculumError(path, 2, f"slug '{front['slug']}' differs from the other language's '{slug}'")
        slug = front["slug"]
        if not SLUG.match(str(slug)):
            raise CurriculumError(path, 2, f"slug '{slug}' is not a lowercase-hyphen slug")
        texts[language] = LessonText(
            title=str(front["title"]),
            summary=str(front.get("summary") or ""),
            estimated_minutes=int(front.get("estimated_minutes") or 15),
            body=parse_body(body, path, body_line),
        )
        files.append(path)
    return LessonSource(slug=slug, texts=texts, files=files)


def split_front_matter(path):
    """Return (front matter dict, body text, line number where the body starts)."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise CurriculumError(path, 1, "front matter must start with a '---' line")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise CurriculumError(path, 1, "front matter is not closed by a '---' line") from None
    try:
        front = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark else 2  # +1 for 1-based lines, +1 for the opening '---'
        raise CurriculumError(path, line, f"invalid front matter: {getattr(error, 'problem', error)}") from None
    if not isinstance(front, dict):
        raise CurriculumError(path, 2, "front matter must be a mapping of keys to values")
    return front, "\n".join(lines[end + 1 :]), end + 2


def parse_body(text, path, first_line):
    """Split a lesson body into StreamField blocks: Markdown between ':::' containers."""
    blocks, markdown, container = [], [], None
    for offset, line in enumerate(text.split("\n")):
        number = first_line + offset
        if container is None:
            match = CONTAINER_OPEN.match(line.strip())
            if match and match["kind"]:
                if match["kind"] not in CONTAINER_KINDS:
                    raise CurriculumError(path, number, f"unknown block ':::{match['kind']}'")
                _flush_markdown(blocks, markdown)
                container = {"kind": match["kind"], "title": match["title"].strip(), "lines": [], "line": number}
            else:
                markdown.append(line)
        elif line.strip() == ":::":
            blocks.append(_container_block(container, path))
            container = None
        else:
            container["lines"].append(line)
    if container is not None:
        raise CurriculumError(path, container["line"], f"':::{container['kind']}' is never closed")
    _flush_markdown(blocks, markdown)
    return blocks


def _flush_markdown(blocks, lines):
    text = "\n".join(lines).strip()
    if text:
        blocks.append({"type": "markdown", "value": text})
    lines.clear()


def _container_block(container, path):
    text = "\n".join(container["lines"]).strip()
    if container["kind"] == "keypoints":
        points = [line.strip()[2:].strip() for line in container["lines"] if line.strip().startswith(("- ", "* "))]
        if not points:
            raise CurriculumError(path, container["line"], "a keypoints block needs '- ' list items")
        return {"type": "key_points", "value": {"title": container["title"], "points": points}}
    return {"type": "callout", "value": {"kind": container["kind"], "title": container["title"], "text": text}}


def read_question_file(path):
    """The list of question mappings, each tagged with the line it starts on ("_line")."""
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise CurriculumError(path, mark.line + 1 if mark else 1, f"invalid YAML: {getattr(error, 'problem', error)}") from None
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise CurriculumError(path, 1, "expected a list of questions")
    for item, item_node in zip(data, node.value):
        item["_line"] = item_node.start_mark.line + 1
        item["_path"] = str(path)
    return data


def _load_yaml(path):
    if not path.exists():
        raise CurriculumError(path, 1, "file is missing")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise CurriculumError(path, mark.line + 1 if mark else 1, f"invalid YAML: {getattr(error, 'problem', error)}") from None
    if not isinstance(data, dict):
        raise CurriculumError(path, 1, "expected a mapping of keys to values")
    return data


def _require(data, path, keys):
    missing = [key for key in keys if not data.get(key)]
    if missing:
        raise CurriculumError(path, 1, f"missing {', '.join(missing)}")


def _both(data, key, path):
    value = data[key]
    if not isinstance(value, dict) or any(not value.get(lang) for lang in LANGUAGES):
        raise CurriculumError(path, 1, f"'{key}' needs both {' and '.join(LANGUAGES)}")
    return {lang: value[lang] for lang in LANGUAGES}

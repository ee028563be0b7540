"""Read the curriculum files (see content/curriculum/FORMAT.md) into plain data.

Nothing here touches the database: `read_curriculum` either returns the whole course or raises
`CurriculumError` naming the file and line at fault, so a loader can validate everything
before it writes anything. YAML is read with the line of every key and list item (`Lines`), so
an error names the line of the value at fault, not the file's first line.
"""

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from .skills import check_lessons, check_question_skills, read_skills
from .yamlfiles import LANGUAGES, CurriculumError, Lines, load_yaml

CONTAINER_KINDS = {"tip", "note", "warning", "exercise", "keypoints", "download"}
CONTAINER_OPEN = re.compile(r"^:::(?P<kind>[\w-]+)[ \t]*(?P<title>.*)$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CAPSTONE_FOLDER = "capstone"
SKILLS_FILE = "skills.yaml"
TEMPLATES_FILE = Path("templates") / "templates.yaml"


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
    lines: Lines = field(default_factory=Lines, repr=False, compare=False)  # of module.yaml

    def digest(self, language):
        fields = {
            "minutes": self.estimated_minutes, "prerequisite": self.prerequisite, "assessed": bool(self.questions)
        }
        for name in ("title", "introduction", "objectives"):
            fields[name] = getattr(self, name)[language]
        return _digest(fields)


@dataclass
class CapstoneSource:
    """The course's capstone (capstone/ beside the modules): a quiz after the final exam whose
    questions, essays graded by a person, come from capstone/questions.yaml."""

    title: dict
    introduction: dict
    questions: list  # dicts from questions.yaml, each with "_line"
    folder: Path


@dataclass
class TemplateSource:
    """A file trainees download (templates/templates.yaml): one file per language."""

    slug: str
    title: dict
    description: dict
    files: dict  # language → Path

    def digest(self, language):
        return _digest([self.title[language], hashlib.sha256(self.files[language].read_bytes()).hexdigest()])


@dataclass
class TemplatesSource:
    heading: dict
    introduction: dict
    templates: list  # TemplateSource, in the manifest's order

    @property
    def slugs(self):
        return {template.slug for template in self.templates}


@dataclass
class CourseSource:
    slug: str
    title: dict
    summary: dict
    introduction: dict
    modules: list
    capstone: CapstoneSource | None = None
    skills: object = None  # content.skills.SkillsSource, when skills.yaml is there
    templates: TemplatesSource | None = None  # when templates/templates.yaml is there

    def digest(self, language):
        return _digest([self.title[language], self.summary[language], self.introduction[language]])


def _digest(data):
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def read_curriculum(directory) -> CourseSource:
    directory = Path(directory)
    course = _load_yaml(directory / "course.yaml")
    course.require(["slug", "title", "summary", "introduction"])
    templates = _read_templates(directory / TEMPLATES_FILE) if (directory / TEMPLATES_FILE).exists() else None
    known = templates.slugs if templates else set()
    modules = [_read_module(folder, known) for folder in sorted(directory.iterdir()) if _is_module(folder)]
    earlier = set()
    for module in modules:
        if module.prerequisite and module.prerequisite not in earlier:
            raise CurriculumError(
                module.folder / "module.yaml", module.lines.of("prerequisite"),
                f"prerequisite '{module.prerequisite}' is not a module that comes before this one",
            )
        earlier.add(module.slug)
    capstone = directory / CAPSTONE_FOLDER
    source = CourseSource(
        slug=course.data["slug"],
        title=course.both("title"),
        summary=course.both("summary"),
        introduction=course.both("introduction"),
        modules=modules,
        capstone=_read_capstone(capstone) if capstone.is_dir() else None,
        templates=templates,
    )
    if (directory / SKILLS_FILE).exists():
        source.skills = read_skills(directory / SKILLS_FILE)
        check_lessons(source.skills, {(m.slug, lesson.slug) for m in modules for lesson in m.lessons})
        questions = [q for m in modules for q in m.questions] + (source.capstone.questions if source.capstone else [])
        check_question_skills(source.skills, questions)
    return source


def _is_module(path):
    return path.is_dir() and re.match(r"^\d\d-", path.name) is not None


def _read_module(folder, templates):
    meta = _load_yaml(folder / "module.yaml")
    meta.require(["slug", "title", "introduction", "objectives"])
    if not SLUG.match(str(meta.data["slug"])):
        raise meta.error(f"slug '{meta.data['slug']}' is not a lowercase-hyphen slug", "slug")
    objectives = meta.both("objectives")
    for language, items in objectives.items():
        if not isinstance(items, list):
            raise meta.error("objectives must be lists", "objectives", language)
    stems = sorted({p.name.split(".")[0] for p in folder.glob("*.md")})
    lessons = [_read_lesson(folder, stem, templates) for stem in stems]
    if not lessons:
        raise meta.error("the module has no lessons")
    questions_path = folder / "questions.yaml"
    return ModuleSource(
        questions=read_question_file(questions_path) if questions_path.exists() else [],
        slug=meta.data["slug"],
        estimated_minutes=meta.whole_number("estimated_minutes", 60),
        prerequisite=meta.data.get("prerequisite"),
        title=meta.both("title"),
        introduction=meta.both("introduction"),
        objectives=objectives,
        lessons=lessons,
        folder=folder,
        lines=meta.lines,
    )


def _read_templates(path):
    """templates/templates.yaml: a heading and introduction for the course's list, then each
    template's slug, title and description; its files sit beside it as <slug>.<language>.<ext>."""
    meta = _load_yaml(path)
    meta.require(["heading", "templates"])
    if not isinstance(meta.data["templates"], list):
        raise meta.error("templates must be a list", "templates")
    templates, seen = [], set()
    for index, item in enumerate(meta.data["templates"]):
        lines = Lines({at[2:]: line for at, line in meta.lines.items() if at[:2] == ("templates", index)})
        entry = _Yaml(path, item, lines)
        if not isinstance(item, dict):
            raise meta.error("each template is a mapping with slug, title and description", "templates", index)
        entry.require(["slug", "title", "description"])
        slug = str(item["slug"])
        if not SLUG.match(slug) or slug in seen:
            raise entry.error(f"slug '{slug}' is not a lowercase-hyphen slug or is repeated", "slug")
        seen.add(slug)
        files = {}
        for language in LANGUAGES:
            found = sorted(path.parent.glob(f"{slug}.{language}.*"))
            if len(found) != 1:
                raise entry.error(
                    f"template '{slug}' needs exactly one file {slug}.{language}.<ext>, found {len(found)}", "slug")
            files[language] = found[0]
        templates.append(TemplateSource(slug, entry.both("title"), entry.both("description"), files))
    return TemplatesSource(
        heading=meta.both("heading"),
        introduction=meta.both("introduction") if "introduction" in meta.data else {lang: "" for lang in LANGUAGES},
        templates=templates,
    )


def _read_capstone(folder):
    meta = _load_yaml(folder / "capstone.yaml")
    meta.require(["title"])
    unknown = sorted(set(meta.data) - {"title", "introduction"}, key=str)
    if unknown:
        raise meta.error(f"unknown setting '{unknown[0]}' (a capstone has a title and an introduction)", unknown[0])
    questions_path = folder / "questions.yaml"
    if not questions_path.exists():
        raise CurriculumError(questions_path, 1, "file is missing: the capstone's questions")
    questions = read_question_file(questions_path)
    if not questions:
        raise CurriculumError(questions_path, 1, "the capstone has no questions")
    return CapstoneSource(
        title=meta.both("title"),
        introduction=meta.both("introduction") if "introduction" in meta.data else {lang: "" for lang in LANGUAGES},
        questions=questions,
        folder=folder,
    )


def _read_lesson(folder, stem, templates):
    texts, slug, files = {}, None, []
    for language in LANGUAGES:
        path = folder / f"{stem}.{language}.md"
        if not path.exists():
            raise CurriculumError(path, 1, f"lesson '{stem}' has no {language} version")
        front, body, body_line = _front_matter(path)
        front.require(["slug", "title"])
        if slug is not None and front.data["slug"] != slug:
            raise front.error(f"slug '{front.data['slug']}' differs from the other language's '{slug}'", "slug")
        slug = front.data["slug"]
        if not SLUG.match(str(slug)):
            raise front.error(f"slug '{slug}' is not a lowercase-hyphen slug", "slug")
        texts[language] = LessonText(
            title=str(front.data["title"]),
            summary=str(front.data.get("summary") or ""),
            estimated_minutes=front.whole_number("estimated_minutes", 15),
            body=parse_body(body, path, body_line, templates),
        )
        files.append(path)
    return LessonSource(slug=slug, texts=texts, files=files)


def _front_matter(path):
    """(front matter, body text, line number where the body starts)."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise CurriculumError(path, 1, "front matter must start with a '---' line")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise CurriculumError(path, 1, "front matter is not closed by a '---' line") from None
    # The YAML starts on the file's second line, after the opening '---'.
    front = _parse_yaml(path, "\n".join(lines[1:end]), "invalid front matter", first_line=2)
    if front.data is None:
        front.data = {}
    if not isinstance(front.data, dict):
        raise front.error("front matter must be a mapping of keys to values")
    return front, "\n".join(lines[end + 1 :]), end + 2


def parse_body(text, path, first_line, templates=frozenset()):
    """Split a lesson body into StreamField blocks: Markdown between ':::' containers.
    `:::download <slug>` names one of `templates` (templates.yaml); its block holds the slug
    until the loader puts the document of the page's language in its place."""
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
            blocks.append(_container_block(container, path, templates))
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


def _container_block(container, path, templates):
    text = "\n".join(container["lines"]).strip()
    if container["kind"] == "download":
        slug = container["title"]
        if slug not in templates:
            known = ", ".join(sorted(templates)) or f"none: {TEMPLATES_FILE} is missing"
            raise CurriculumError(path, container["line"], f"unknown template '{slug}' (templates: {known})")
        if "\n" in text:
            raise CurriculumError(path, container["line"], "a download's link text is one line")
        return {"type": "document", "value": {"template": slug, "label": text}}
    if container["kind"] == "keypoints":
        points = [line.strip()[2:].strip() for line in container["lines"] if line.strip().startswith(("- ", "* "))]
        if not points:
            raise CurriculumError(path, container["line"], "a keypoints block needs '- ' list items")
        return {"type": "key_points", "value": {"title": container["title"], "points": points}}
    return {"type": "callout", "value": {"kind": container["kind"], "title": container["title"], "text": text}}


def read_question_file(path):
    """The list of question mappings, each tagged with the line it starts on ("_line") and the
    lines of its keys and list items ("_lines", by path inside the question)."""
    questions = _parse_yaml(path, path.read_text(encoding="utf-8"), "invalid YAML")
    if not isinstance(questions.data, list):
        raise questions.error("expected a list of questions")
    lines = [Lines() for _ in questions.data]  # each question's, by path inside it
    for at, line in questions.lines.items():
        if at:
            lines[at[0]][at[1:]] = line
    for index, item in enumerate(questions.data):
        if not isinstance(item, dict):
            raise questions.error("expected a list of questions, each a mapping of keys to values", index)
        item.update(_line=lines[index][()], _lines=lines[index], _path=str(path))
    return questions.data


@dataclass
class _Yaml:
    """A YAML document read from `path`, with the line of each of its values."""

    path: Path
    data: object
    lines: Lines

    def error(self, message, *keys):
        return CurriculumError(self.path, self.lines.of(*keys), message)

    def require(self, keys):
        """Every key is present and not empty; an empty one is named at its line."""
        missing = [key for key in keys if not self.data.get(key)]
        empty = [key for key in missing if key in self.data]
        if missing:
            raise self.error(f"missing {', '.join(missing)}", *empty[:1])

    def both(self, key):
        value = self.data[key]
        if isinstance(value, dict) and all(value.get(lang) for lang in LANGUAGES):
            return {lang: value[lang] for lang in LANGUAGES}
        empty = [lang for lang in LANGUAGES if isinstance(value, dict) and lang in value]
        raise self.error(f"'{key}' needs both {' and '.join(LANGUAGES)}", key, *empty[:1])

    def whole_number(self, key, default):
        value = self.data.get(key) or default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise self.error(f"{key} must be a whole number, not '{value}'", key) from None


def _parse_yaml(path, text, problem, first_line=1):
    try:
        data, lines = load_yaml(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + first_line if mark else first_line
        raise CurriculumError(path, line, f"{problem}: {getattr(error, 'problem', error)}") from None
    lines.setdefault((), 1)
    return _Yaml(Path(path), data, lines.shifted(first_line - 1))


def _load_yaml(path):
    if not path.exists():
        raise CurriculumError(path, 1, "file is missing")
    document = _parse_yaml(path, path.read_text(encoding="utf-8"), "invalid YAML")
    if not isinstance(document.data, dict):
        raise document.error("expected a mapping of keys to values")
    return document

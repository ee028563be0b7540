"""YAML files with the line of every value (`Lines`), and the error that names a file and line:
what the curriculum and skills readers share."""

from pathlib import Path

import yaml

LANGUAGES = ("zh-hans", "en")


class CurriculumError(Exception):
    def __init__(self, path, line, message):
        self.path, self.line, self.message = Path(path), line, message
        super().__init__(f"{path}:{line}: {message}")


class Lines(dict):
    """The line of each key and list item of a YAML document, by path: ("choices", 1, "fraction")."""

    def of(self, *path, default=1):
        """The line of `path`, else of the nearest enclosing value that has one."""
        for end in range(len(path), -1, -1):
            if path[:end] in self:
                return self[path[:end]]
        return default

    def shifted(self, offset):
        return Lines({path: line + offset for path, line in self.items()})


def load_yaml(text):
    """(data, Lines) of one YAML document, read as `yaml.safe_load` reads it."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    lines = Lines()
    _collect_lines(node, (), lines, set())
    return data, lines


def _collect_lines(node, path, lines, seen):
    if node is None:
        return
    lines.setdefault(path, node.start_mark.line + 1)
    if id(node) in seen:  # an alias: its lines are already known, and aliases may nest exponentially
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                lines[path + (key.value,)] = key.start_mark.line + 1
                _collect_lines(value, path + (key.value,), lines, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_lines(item, path + (index,), lines, seen)

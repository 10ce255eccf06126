"""Questions about PyYAML nodes, for reading `.github/chronolog.yml` with its line numbers.

PyYAML is imported by `chronolog.config._yaml_root` when there is a config to read; a node
exists only after that, so these imports find the module loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeGuard

if TYPE_CHECKING:
    from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


def is_mapping(node: Node) -> TypeGuard[MappingNode]:
    from yaml.nodes import MappingNode

    return isinstance(node, MappingNode)


def is_sequence(node: Node) -> TypeGuard[SequenceNode]:
    from yaml.nodes import SequenceNode

    return isinstance(node, SequenceNode)


def is_scalar(node: Node) -> TypeGuard[ScalarNode]:
    from yaml.nodes import ScalarNode

    return isinstance(node, ScalarNode)


def is_null(node: Node) -> bool:
    return is_scalar(node) and node.tag.endswith(":null")


def kind(node: Node) -> str:
    if is_mapping(node):
        return "a mapping"
    if is_sequence(node):
        return "a list"
    return "nothing" if is_null(node) else f"`{node.value}`"


def line_of(node: Node) -> int:
    return int(node.start_mark.line) + 1

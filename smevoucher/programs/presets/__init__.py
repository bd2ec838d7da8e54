"""The three seed programs, loaded by `manage.py load_program_presets` and by the demo."""

from . import guangdong_2024, guangxi_2024, liuzhou_2024

PRESETS = (guangxi_2024, liuzhou_2024, guangdong_2024)


def rules_for_year(rules: dict, year: int, from_year: int) -> dict:
    """A preset's rules moved to another year (every date keeps its month and day), for a
    demo program that can be tried today."""
    import copy
    import re

    moved = copy.deepcopy(rules)
    date = re.compile(rf"^{from_year}(-\d\d-\d\d)$")

    def shift(node):
        if isinstance(node, dict):
            return {k: shift(v) for k, v in node.items()}
        if isinstance(node, list):
            return [shift(v) for v in node]
        if isinstance(node, str) and date.match(node):
            return f"{year}{node[4:]}"
        return node

    return shift(moved)

"""Text every store and every JSON encoder can keep: no NUL bytes, no lone surrogates."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dataconnect.errors import Problem

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
MAX_PROBLEMS = 20


def text_problems(data: Any, path: str = "") -> list[Problem]:
    """Every string (keys included) in a request that holds a NUL byte or a lone surrogate."""
    problems: list[Problem] = []
    _walk(data, path, problems, depth=0)
    return problems[:MAX_PROBLEMS]


def _walk(value: Any, path: str, problems: list[Problem], depth: int) -> None:
    if len(problems) >= MAX_PROBLEMS or depth > 20:
        return
    if isinstance(value, str):
        if _UNSTORABLE.search(value):
            problems.append(
                Problem(
                    path or "body",
                    "TEXT_INVALID",
                    "text may not hold NUL characters or unpaired surrogates",
                )
            )
    elif isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and _UNSTORABLE.search(key):
                problems.append(
                    Problem(path or "body", "TEXT_INVALID", "a key holds an unstorable character")
                )
                continue
            _walk(item, where, problems, depth + 1)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _walk(item, f"{path}[{i}]", problems, depth + 1)

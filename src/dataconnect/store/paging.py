"""The store's half of keyset paging (``domain.paging``): a page's rows past its key, in order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select

from dataconnect.domain.paging import Keyset


def keyset(
    query: Select[Any], key: ColumnElement[Any], page: Keyset, *, newest_first: bool = False
) -> Select[Any]:
    """``query`` limited to the ``page.fetch`` rows past ``page.after``, ordered by ``key``."""
    if page.after is not None:
        query = query.where(key < page.after if newest_first else key > page.after)
    return query.order_by(key.desc() if newest_first else key).limit(page.fetch)

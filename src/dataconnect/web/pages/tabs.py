"""The three tabs of Manage Connect: All jobs, Completed jobs and Group jobs."""

from __future__ import annotations

from fastapi import Request, Response

from dataconnect.errors import Problem, ValidationFailed
from dataconnect.services.manage import DEFAULT_PAGE_SIZE, SCHEDULE_TYPES
from dataconnect.web.kit import AppDep, PageSession, WebDep, web_router

router = web_router()


def _int_arg(value: str | None, field: str, default: int) -> int:
    if value is None or value == "":
        return default
    if not value.isdigit() or len(value) > 7:
        raise ValidationFailed(Problem(field, "INTEGER_EXPECTED", f"{field} is a whole number"))
    return int(value)


def _choice(value: str | None) -> str | None:
    return value or None


@router.get("/connect/jobs")
def all_jobs(request: Request, session: PageSession, dc: AppDep, web: WebDep) -> Response:
    q = request.query_params
    filters = {
        "q": q.get("q", ""),
        "type": q.get("type", ""),
        "state": q.get("state", ""),
        "schedule": q.get("schedule", ""),
    }
    page = dc.manage.all_jobs(
        session.caller,
        search=filters["q"] or None,
        type_=_choice(filters["type"]),
        state=_choice(filters["state"]),
        schedule=_choice(filters["schedule"]),
        page=_int_arg(q.get("page"), "page", 1),
        size=_int_arg(q.get("size"), "size", DEFAULT_PAGE_SIZE),
    )
    return web.render(
        request,
        "jobs.html",
        {
            "tab": "jobs",
            "page": page,
            "filters": filters,
            "schedule_types": SCHEDULE_TYPES,
        },
        session=session,
    )


@router.get("/connect/completed")
def completed(request: Request, session: PageSession, dc: AppDep, web: WebDep) -> Response:
    q = request.query_params
    runs, cursor = dc.manage.completed(
        session.caller,
        cursor=q.get("cursor") or None,
        size=_int_arg(q.get("size"), "size", DEFAULT_PAGE_SIZE),
    )
    return web.render(
        request,
        "completed.html",
        {"tab": "completed", "runs": runs, "next_cursor": cursor},
        session=session,
    )


@router.get("/connect/groups")
def group_jobs(request: Request, session: PageSession, dc: AppDep, web: WebDep) -> Response:
    q = request.query_params
    filters = {"q": q.get("q", ""), "state": q.get("state", "")}
    page = dc.manage.group_jobs(
        session.caller,
        search=filters["q"] or None,
        state=_choice(filters["state"]),
        page=_int_arg(q.get("page"), "page", 1),
        size=_int_arg(q.get("size"), "size", DEFAULT_PAGE_SIZE),
    )
    return web.render(
        request,
        "groups.html",
        {"tab": "groups", "page": page, "filters": filters},
        session=session,
    )

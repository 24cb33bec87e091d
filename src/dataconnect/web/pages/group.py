"""A group's page: its settings, its jobs in order, its next runs, its latest and past runs."""

from __future__ import annotations

from fastapi import Request, Response

from dataconnect.services.views import group_run_view
from dataconnect.web.kit import AppDep, PageSession, WebDep, parse_id, run_view, web_router

RUNS_ON_GROUP_PAGE = 20
NEXT_RUNS_SHOWN = 5

router = web_router()


@router.get("/connect/groups/{group_id}")
def group_page(
    request: Request, group_id: str, session: PageSession, dc: AppDep, web: WebDep
) -> Response:
    caller = session.caller
    group, jobs, last, upcoming = dc.groups.details(caller, parse_id(group_id))
    runs, _ = dc.group_runs.list(caller, group_id=group.id, limit=RUNS_ON_GROUP_PAGE)
    next_runs = (
        dc.schedules.next_runs(caller, group.id, NEXT_RUNS_SHOWN)
        if group.schedule is not None and group.state.value == "active"
        else []
    )
    latest, _ = dc.group_runs.list(caller, group_id=group.id, limit=1)
    return web.render(
        request,
        "group.html",
        {
            "tab": "groups",
            "group": group,
            "jobs": jobs,
            "last": last,
            "next_run_at": upcoming,
            "next_runs": next_runs,
            "runs": [group_run_view(r) for r in runs],
            "latest": run_view(dc, caller, latest[0]) if latest else None,
        },
        session=session,
    )

"""The Create Group wizard: details, 1 select jobs, 2 notification, 3 schedule; Save or Activate.

One HTML form holds every step. With JavaScript the steps show one at a time and jobs move by
drag and drop or keys; without it every step shows and the move buttons submit the form, which
comes back with the list changed. Errors from the service come back all at once, each beside
its field and listed at the top with the step it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.datastructures import FormData

from dataconnect.bootstrap import App
from dataconnect.domain.expiration import default_expiry
from dataconnect.domain.schedules import SLOTS, WEEKDAYS, slot_minutes
from dataconnect.errors import DataConnectError, Problem, ValidationFailed
from dataconnect.services.manage import Preview
from dataconnect.services.sessions import WebSession
from dataconnect.web.kit import (
    AppDep,
    PostedForm,
    Web,
    WebDep,
    WriterSession,
    web_router,
    window_label,
)

STEPS = ("Details", "Select jobs", "Notification", "Schedule")
NOTIFY_CHOICES = (
    ("success_or_failure", "After success or failure"),
    ("failure", "On failure only"),
    ("none", "No email"),
)
SLOT_LABELS = tuple(
    "minutes {:02d}\u2013{:02d}".format(*slot_minutes(slot)) for slot in range(SLOTS)
)
WEEKDAY_LABELS = dict(zip(WEEKDAYS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True))
MAX_EMAILS_TEXT = 5000

# Which step each field is on, and the id of the control its error sits beside.
FIELD_TARGETS = {
    "name": (0, "f-name"),
    "description": (0, "f-description"),
    "expires_at": (0, "f-expires"),
    "job_ids": (1, "f-jobs"),
    "notification": (2, "f-notify-when"),
    "notification.when": (2, "f-notify-when"),
    "notification.emails": (2, "f-notify-emails"),
    "schedule": (3, "f-schedule-kind"),
    "schedule.kind": (3, "f-schedule-kind"),
    "schedule.date": (3, "f-schedule-date"),
    "schedule.weekdays": (3, "f-schedule-weekdays"),
    "schedule.day": (3, "f-schedule-day"),
    "schedule.hour": (3, "f-schedule-hour"),
    "schedule.slot": (3, "f-schedule-slot"),
}


def target_of(problem_field: str) -> tuple[int, str]:
    """The step and control of a problem's field: job_ids[2] belongs with job_ids."""
    key = problem_field.split("[", 1)[0]
    while key and key not in FIELD_TARGETS:
        key = key.rpartition(".")[0]
    return FIELD_TARGETS.get(key, (0, "f-name"))


@dataclass
class WizardState:
    """What the form holds, as the user typed it (re-shown as is after an error)."""

    name: str = ""
    description: str = ""
    expires_on: str = ""
    job_ids: list[int] = field(default_factory=list)
    notify_when: str = "failure"
    notify_emails: str = ""
    schedule_kind: str = "on_demand"
    schedule_date: str = ""
    weekdays: list[str] = field(default_factory=list)
    day: str = "1"
    hour: str = "2"
    slot: str = "0"
    bad_ids: list[str] = field(default_factory=list)

    @classmethod
    def from_form(cls, form: FormData) -> WizardState:
        def text(name: str, limit: int = 300) -> str:
            value = form.get(name, "")
            return value[:limit] if isinstance(value, str) else ""

        ids: list[int] = []
        bad: list[str] = []
        for raw in form.getlist("job_ids"):
            if isinstance(raw, str) and raw.isdigit() and len(raw) <= 19:
                ids.append(int(raw))
            else:
                bad.append(str(raw)[:30])
        return cls(
            name=text("name"),
            description=text("description"),
            expires_on=text("expires_on", 40),
            job_ids=ids,
            notify_when=text("notify_when", 40),
            notify_emails=text("notify_emails", MAX_EMAILS_TEXT),
            schedule_kind=text("schedule_kind", 20),
            schedule_date=text("schedule_date", 20),
            weekdays=[d for d in form.getlist("schedule_weekdays") if isinstance(d, str)][:7],
            day=text("schedule_day", 10),
            hour=text("schedule_hour", 10),
            slot=text("schedule_slot", 10),
            bad_ids=bad,
        )

    def schedule(self) -> dict[str, Any] | None:
        """The schedule as the API takes it; numbers that are not numbers pass through as text
        so the service reports them with its own codes."""
        if self.schedule_kind == "on_demand":
            return None
        data: dict[str, Any] = {
            "kind": self.schedule_kind,
            "hour": _number(self.hour),
            "slot": _number(self.slot),
        }
        if self.schedule_kind == "once":
            data["date"] = self.schedule_date
        elif self.schedule_kind == "weekly":
            data["weekdays"] = self.weekdays
        elif self.schedule_kind == "monthly":
            data["day"] = self.day if self.day == "last" else _number(self.day)
        return data

    def emails(self) -> list[str]:
        parts = self.notify_emails.replace(";", ",").replace("\n", ",").split(",")
        return [p.strip() for p in parts if p.strip()]

    def request(self, activate: bool) -> dict[str, Any]:
        notification: dict[str, Any] = {"when": self.notify_when}
        if self.emails() or self.notify_when != "none":
            notification["emails"] = self.emails()
        data: dict[str, Any] = {
            "name": self.name.strip(),
            "description": self.description.strip(),
            "job_ids": list(self.job_ids),
            "notification": notification,
            "schedule": self.schedule(),
            "activate": activate,
        }
        if self.expires_on.strip():
            data["expires_at"] = self.expires_on.strip()
        return data

    def move(self, action: str) -> None:
        """A move button pressed without JavaScript: add, remove, up or down one job."""
        verb, _, raw = action.partition(":")
        if not raw.isdigit():
            return
        job_id = int(raw)
        ids = self.job_ids
        if verb == "add" and job_id not in ids:
            ids.append(job_id)
        elif verb == "remove" and job_id in ids:
            ids.remove(job_id)
        elif verb in ("up", "down") and job_id in ids:
            i = ids.index(job_id)
            j = i - 1 if verb == "up" else i + 1
            if 0 <= j < len(ids):
                ids[i], ids[j] = ids[j], ids[i]


def _number(text: str) -> int | str:
    stripped = text.strip()
    return int(stripped) if stripped.isdigit() and len(stripped) <= 4 else stripped


@dataclass
class ShownError:
    step: int
    target: str
    message: str
    code: str


def shown_errors(problems: list[Problem]) -> list[ShownError]:
    found = []
    for p in problems:
        step, target = target_of(p.field)
        found.append(ShownError(step, target, p.message, p.code))
    return sorted(found, key=lambda e: e.step)


router = web_router()


def _render(
    request: Request,
    dc: App,
    web: Web,
    session: WebSession,
    state: WizardState,
    *,
    errors: list[ShownError] | None = None,
    step: int = 0,
    preview: Preview | None = None,
    status: int = 200,
    announce: str = "",
) -> Response:
    candidates = dc.manage.candidates(session.caller)
    by_id = {c.job.id: c for c in candidates}
    chosen = [by_id[i] for i in state.job_ids if i in by_id]
    # The jobs that can join first, each part by name; the others greyed out below them.
    available = sorted(
        (c for c in candidates if c.job.id not in state.job_ids),
        key=lambda c: (c.problem is not None, c.job.name.lower()),
    )
    zone = dc.manage.zone(session.caller)
    if preview is None:
        preview = dc.manage.preview(session.caller, state.schedule() or {})
    errors = errors or []
    by_target: dict[str, list[ShownError]] = {}
    for e in errors:
        by_target.setdefault(e.target, []).append(e)
    default_expiry_day = default_expiry(dc.clock.now()).astimezone(ZoneInfo(zone)).date()
    return web.render(
        request,
        "wizard.html",
        {
            "tab": "groups",
            "state": state,
            "chosen": chosen,
            "available": available,
            "errors": errors,
            "errors_at": by_target,
            "steps": STEPS,
            "step": step,
            "preview": preview if state.schedule_kind != "on_demand" else None,
            "preview_zone": preview.zone if preview else zone,
            "notify_choices": NOTIFY_CHOICES,
            "slot_labels": SLOT_LABELS,
            "weekday_labels": WEEKDAY_LABELS,
            "default_expiry": default_expiry_day.isoformat(),
            "announce": announce,
        },
        status=status,
        session=session,
    )


@router.get("/connect/groups/new")
def new_group(request: Request, session: WriterSession, dc: AppDep, web: WebDep) -> Response:
    return _render(request, dc, web, session, WizardState())


@router.post("/connect/groups/new")
def create_group(
    request: Request, form: PostedForm, session: WriterSession, dc: AppDep, web: WebDep
) -> Response:
    web.check_post(request, form, session)
    state = WizardState.from_form(form)
    action = form.get("action", "save")
    action = action if isinstance(action, str) else "save"
    if action.split(":", 1)[0] in ("add", "remove", "up", "down"):
        state.move(action)
        return _render(request, dc, web, session, state, step=1)
    if action == "preview":
        return _render(request, dc, web, session, state, step=3)
    if action not in ("save", "activate"):
        return _render(request, dc, web, session, state)  # Enter in a field: show the form again
    activate = action == "activate"
    problems: list[Problem] = [
        Problem("job_ids", "JOB_IDS_INVALID", f"{b!r} is not a job id") for b in state.bad_ids
    ]
    try:
        if problems:
            raise ValidationFailed(problems)
        group = dc.groups.create(session.caller, state.request(activate))
    except ValidationFailed as exc:
        errors = shown_errors(exc.problems)
        return _render(
            request, dc, web, session, state, errors=errors, step=errors[0].step, status=400
        )
    except DataConnectError as exc:
        errors = [ShownError(0, "f-name", str(exc), exc.code)]
        return _render(request, dc, web, session, state, errors=errors, status=409)
    verb = "created and activated" if activate else "saved"
    dc.sessions.flash(session.token, f"ok:Group {group.name} {verb}.")
    return RedirectResponse(f"/connect/groups/{group.id}", status_code=303)


@router.post("/connect/groups/preview")
def preview_schedule(request: Request, form: PostedForm, dc: AppDep, web: WebDep) -> Response:
    """The next slots of the schedule in the form, as JSON, while the user changes it."""
    # JSON, not a page: any refusal (no session, CSRF) is a 403 body, the flash note left.
    try:
        session = web.session(request, take_flash=False)
        web.check_post(request, form, session)
    except DataConnectError as exc:
        return JSONResponse({"code": exc.code, "detail": str(exc)}, status_code=403)
    state = WizardState.from_form(form)
    schedule = state.schedule()
    if schedule is None:
        return JSONResponse({"zone": "", "windows": [], "errors": []})
    preview = dc.manage.preview(session.caller, schedule)
    zone = preview.zone
    return JSONResponse(
        {
            "zone": zone,
            "windows": [
                {"start": start.isoformat(), "label": window_label(start, end, zone)}
                for start, end in preview.windows
            ],
            "errors": [
                {
                    "target": target_of(p.field)[1],
                    "message": p.message,
                    "code": p.code,
                }
                for p in preview.problems
            ],
        }
    )

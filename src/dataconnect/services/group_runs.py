"""Group runs: Run Now, Stop, and their history. Workers do the running (``services/work``)."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from dataconnect.domain.accounts import Caller
from dataconnect.domain.groups import Group, GroupState
from dataconnect.domain.paging import Keyset
from dataconnect.domain.runs import GroupRun, GroupRunState, RunKind, RunRef, Trigger
from dataconnect.errors import Conflict, NotFound, Problem, ValidationFailed
from dataconnect.services.base import Deps, require_writer
from dataconnect.services.notifications import record_group_run_end
from dataconnect.services.signals import NEW_WORK, STOP
from dataconnect.services.views import event_view, iso
from dataconnect.store.store import Tx


def start_group_run(
    tx: Tx,
    group: Group,
    trigger: Trigger,
    requested_by: str,
    now: datetime,
    occurrence_id: int | None = None,
) -> int:
    """Queue a run of the (active) group in this transaction; Run Now and the scheduler."""
    if tx.active_group_run(group.account_id, group.id) is not None:
        # Its own steps are running jobs too: name the real reason first.
        raise Conflict(
            f"group {group.name} already has a run in progress", code="GROUP_ALREADY_RUNNING"
        )
    jobs = {j.id: j for j in tx.jobs(group.account_id, ids=group.job_ids)}
    busy = tx.running_job_ids(list(group.job_ids))
    if busy:
        names = ", ".join(jobs[i].name for i in busy if i in jobs)
        raise Conflict(
            f"job {names} of group {group.name} is running on its own; "
            "wait for it or stop it first",
            code="JOB_ALREADY_RUNNING",
        )
    run_id = tx.insert_group_run(
        account_id=group.account_id,
        group_id=group.id,
        group_name=group.name,
        jobs=[(i, jobs[i].name) for i in group.job_ids],
        trigger=trigger,
        requested_by=requested_by,
        now=now,
        occurrence_id=occurrence_id,
    )
    tx.notify(NEW_WORK, RunRef(RunKind.GROUP, run_id))
    return run_id


class GroupRunService:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    def start(self, caller: Caller, group_id: int, trigger: Trigger = Trigger.MANUAL) -> GroupRun:
        """Run Now: queue a run of an active group with no run in progress."""
        require_writer(caller)
        now = self._deps.clock.now()
        with self._deps.store.write() as tx:
            group = tx.group(caller.account_id, group_id)
            if group is None:
                raise NotFound(f"no group with id {group_id}", code="GROUP_NOT_FOUND")
            if group.state is not GroupState.ACTIVE:
                raise Conflict(
                    f"group {group.name} is only saved; activate it to run it",
                    code="GROUP_NOT_ACTIVE",
                )
            run_id = start_group_run(tx, group, trigger, caller.label, now)
            run = tx.group_run(caller.account_id, run_id)
        assert run is not None
        self._deps.signals.publish(NEW_WORK, RunRef(RunKind.GROUP, run_id))
        return run

    def stop_group(self, caller: Caller, group_id: int) -> GroupRun:
        """Stop the group's run in progress; ``GROUP_NOT_RUNNING`` if there is none."""
        require_writer(caller)
        with self._deps.store.write() as tx:
            group = tx.group(caller.account_id, group_id)
            if group is None:
                raise NotFound(f"no group with id {group_id}", code="GROUP_NOT_FOUND")
            run = tx.active_group_run(caller.account_id, group_id)
            if run is None:
                raise Conflict(
                    f"group {group.name} has no run in progress", code="GROUP_NOT_RUNNING"
                )
            stopped = self._stop(tx, caller, run)
        self._deps.signals.publish(STOP, RunRef(RunKind.GROUP, stopped.id))
        return stopped

    def stop(self, caller: Caller, run_id: int) -> GroupRun:
        """Stop this run; ``RUN_ALREADY_ENDED`` once it has ended."""
        require_writer(caller)
        with self._deps.store.write() as tx:
            run = tx.group_run(caller.account_id, run_id)
            if run is None:
                raise NotFound(f"no group run {run_id}", code="GROUP_RUN_NOT_FOUND")
            if not run.active:
                raise Conflict(
                    f"group run {run_id} already ended ({run.state.value})",
                    code="RUN_ALREADY_ENDED",
                )
            stopped = self._stop(tx, caller, run)
        self._deps.signals.publish(STOP, RunRef(RunKind.GROUP, stopped.id))
        return stopped

    def _stop(self, tx: Tx, caller: Caller, run: GroupRun) -> GroupRun:
        now = self._deps.clock.now()
        marks: dict[str, Any] = {"stop_requested_at": now, "stopped_by": caller.label}
        if run.state is GroupRunState.QUEUED:
            # No worker has it yet: it ends here, nothing ran.
            if tx.move_group_run(
                run.id, GroupRunState.QUEUED, GroupRunState.STOPPED, now, caller.label, **marks
            ):
                tx.skip_pending_steps(run.id)
                record_group_run_end(tx, run.id, now)
        elif run.state is GroupRunState.RUNNING:
            tx.move_group_run(
                run.id, GroupRunState.RUNNING, GroupRunState.STOPPING, now, caller.label, **marks
            )
        current = tx.group_run(caller.account_id, run.id)
        assert current is not None
        if current.state in (GroupRunState.QUEUED, GroupRunState.RUNNING):
            return self._stop(tx, caller, current)  # it moved on meanwhile: try again
        tx.notify(STOP, RunRef(RunKind.GROUP, run.id))
        return current

    def get(self, caller: Caller, run_id: int) -> GroupRun:
        with self._deps.store.read() as tx:
            run = tx.group_run(caller.account_id, run_id)
        if run is None:
            raise NotFound(f"no group run {run_id}", code="GROUP_RUN_NOT_FOUND")
        return run

    def progress(self, caller: Caller, run: GroupRun) -> dict[int, dict[str, object]]:
        """The job runs of the run's steps, by id: counts (rows read so far while running)."""
        ids = [s.job_run_id for s in run.steps if s.job_run_id is not None]
        with self._deps.store.read() as tx:
            found = {i: tx.job_run(caller.account_id, i) for i in ids}
        return {
            i: {
                "records_processed": r.records_processed,
                "records_added": r.records_added,
                "records_updated": r.records_updated,
                "records_rejected": r.records_rejected,
                "error_code": r.error_code,
                "error": r.error_message,
                "rejects_file": r.rejects_file,
                "started_at": iso(r.started_at),
                "ended_at": iso(r.ended_at),
                "attempt": r.attempt,
            }
            for i, r in found.items()
            if r is not None
        }

    def notification(self, caller: Caller, run: GroupRun) -> dict[str, object] | None:
        """The run's email, if one is due: pending, sent, not_sent (no SMTP) or failed."""
        with self._deps.store.read() as tx:
            email = tx.outbox_for_runs([run.id]).get(run.id)
        if email is None or email.account_id != caller.account_id:
            return None
        return {
            "status": email.status,
            "to": email.payload.get("to", []),
            "attempts": email.attempts,
            "sent_at": iso(email.sent_at),
            "last_error": email.last_error,
        }

    def history(self, caller: Caller, run_id: int) -> builtins.list[dict[str, object]]:
        self.get(caller, run_id)
        with self._deps.store.read() as tx:
            events = tx.run_events(RunRef(RunKind.GROUP, run_id))
        return [event_view(e) for e in events]

    def list(
        self,
        caller: Caller,
        *,
        group_id: int | None = None,
        state: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> tuple[builtins.list[GroupRun], str | None]:
        if state is not None and state not in {s.value for s in GroupRunState}:
            raise ValidationFailed(
                Problem(
                    "state",
                    "GROUP_RUN_STATE_INVALID",
                    "queued, running, stopping, succeeded, failed or stopped",
                )
            )
        page = Keyset.of(limit, cursor)
        with self._deps.store.read() as tx:
            found = tx.group_runs(caller.account_id, group_id=group_id, state=state, page=page)
        return page.cut(found, key=lambda run: run.id)

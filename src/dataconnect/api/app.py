"""The FastAPI application factory; nothing is built at import time."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import FastAPI, Request, Response

from dataconnect import __version__
from dataconnect.api import compat, errors
from dataconnect.api.routes import (
    account,
    connections,
    files,
    group_runs,
    groups,
    jobs,
    runs,
    ssh_keys,
    tables,
)
from dataconnect.bootstrap import App
from dataconnect.web import mount

MAX_JSON_BODY = 1_000_000


def create_app(dc: App, *, worker: bool = True, freeze_gc: bool = False) -> FastAPI:
    """The HTTP app. With ``worker`` (the embedded ``serve``), a worker and a scheduler run in
    this process for as long as the app is served; ``serve --role web`` leaves runs and
    schedules to ``worker`` and ``scheduler`` processes. ``freeze_gc`` is for a server process
    (``serve``), never for tests that build many apps in one process."""

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        started = dc.start_worker() if worker else None
        scheduler = dc.start_scheduler() if worker else None
        mailer = dc.start_mailer() if worker else None
        # Everything imported so far lives as long as the process: moved out of the collector's
        # reach, a full collection scans a few thousand objects instead of ~150,000, which took
        # 100-180 ms and landed on whichever request was running (bench/web_bench.py).
        if freeze_gc:
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            if mailer is not None:
                dc.mailers.remove(mailer)
                await asyncio.to_thread(mailer.close)
            if scheduler is not None:
                dc.schedulers.remove(scheduler)
                await asyncio.to_thread(scheduler.close)
            if started is not None:
                dc.workers.remove(started)
                await asyncio.to_thread(started.close)

    api = FastAPI(
        lifespan=lifespan,
        title="DataConnect",
        version=__version__,
        description="Import jobs and job groups that move marketing data in the right order.",
    )
    api.state.dc = dc
    errors.install(api)

    @api.middleware("http")
    async def limit_body(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length")
        is_upload = request.url.path.startswith("/api/v1/files/")
        if length and length.isdigit() and int(length) > MAX_JSON_BODY and not is_upload:
            if request.url.path.startswith(compat.ROOT):
                return compat.error(413, "BODY_TOO_LARGE", f"at most {MAX_JSON_BODY} bytes")
            return errors.problem(
                413, "BODY_TOO_LARGE", "Body too large", f"at most {MAX_JSON_BODY} bytes"
            )
        return await call_next(request)

    for module in (
        account,
        tables,
        files,
        ssh_keys,
        connections,
        jobs,
        groups,
        group_runs,
        runs,
        compat,
    ):
        api.include_router(module.router)
    mount.install(api, dc)
    return api

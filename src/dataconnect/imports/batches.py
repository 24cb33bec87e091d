"""Batches of checked rows, produced beside the writer: in a thread or in a forked process.

The drivers drop the GIL for every row they store and must take it back before the next one; a
reader *thread* holds it meanwhile, so the two end up taking turns. For large files the reader
is a forked process, which runs truly beside the writer.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import multiprocessing
import os
import queue
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

from dataconnect.domain.imports import Reject
from dataconnect.imports.plan import RowPlan
from dataconnect.imports.reader import Record
from dataconnect.imports.sink import Prepare, Prepared, Row

PIPE_BYTES = 1 << 20  # Linux's default cap for an unprivileged process
WAITING = object()  # nothing arrived within the timeout: the caller checks its stop token


@dataclass(slots=True)
class Batch:
    rows: list[Row] = field(default_factory=list)
    # (record number, text) by index in ``rows``; only the refused rows' once ``prepared`` is
    # final.
    raws: list[tuple[int, str]] | dict[int, tuple[int, str]] = field(default_factory=list)
    early: list[tuple[int, str, Reject]] = field(default_factory=list)  # refused before the sink
    processed: int = 0  # records read up to the end of this batch
    prepared: Prepared | None = None  # ``rows`` in the sink's form (then ``rows`` is empty)


def batches(
    stream: Iterator[Record], plan: RowPlan, size: int, prepare: Prepare | None = None
) -> Iterator[Batch]:
    """Check every record; cut batches of ``size`` rows (or refusals), then a last one.
    With ``prepare``, each batch's rows are handed over in the sink's form."""
    for batch in _checked(stream, plan, size):
        if prepare is not None and batch.rows:
            prepared = batch.prepared = prepare(batch.rows)
            batch.rows = []
            if prepared.final:
                raws = batch.raws
                batch.raws = {i: raws[i] for i, _ in prepared.rejects}
        yield batch


def _checked(stream: Iterator[Record], plan: RowPlan, size: int) -> Iterator[Batch]:
    convert = plan.compiled()
    rows: list[Row] = []
    raws: list[tuple[int, str]] = []
    early: list[tuple[int, str, Reject]] = []
    number = 0
    for record in stream:
        number += 1
        if record.fields is None:
            assert record.reason is not None
            early.append((number, record.raw, record.reason))
        else:
            converted = convert(record.fields)
            if isinstance(converted, Reject):
                early.append((number, record.raw, converted))
            else:
                rows.append(converted)
                raws.append((number, record.raw))
        if len(rows) >= size or len(early) >= size:
            yield Batch(rows, raws, early, number)
            rows, raws, early = [], [], []
    yield Batch(rows, raws, early, number)


def can_fork() -> bool:
    return sys.platform != "win32" and "fork" in multiprocessing.get_all_start_methods()


class ThreadBatches:
    def __init__(
        self, stream: Iterator[Record], plan: RowPlan, size: int, prepare: Prepare | None = None
    ) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=3)
        self._quit = threading.Event()
        self._thread = threading.Thread(
            target=self._run,
            args=(stream, plan, size, prepare),
            name="dc-import-reader",
            daemon=True,
        )

    def __enter__(self) -> ThreadBatches:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._quit.set()
        self._thread.join(timeout=10)

    def _put(self, item: Any) -> bool:
        while not self._quit.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(
        self, stream: Iterator[Record], plan: RowPlan, size: int, prepare: Prepare | None
    ) -> None:
        try:
            for batch in batches(stream, plan, size, prepare):
                if not self._put(batch):
                    return
            self._put(None)
        except BaseException as exc:  # raised again in the writing thread
            self._put(exc)
        finally:
            # What the preparer opened (a read connection) is closed by the thread that used it.
            close = getattr(prepare, "close", None)
            if close is not None:
                close()

    def next(self, timeout: float) -> Any:
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            return WAITING
        if isinstance(item, BaseException):
            raise item
        return item


class ForkedBatches:
    """A forked child continues the record stream (it inherits the open file and the reader's
    state) and sends pickled batches through a pipe. If this process stops reading or dies, the
    child's next send fails and it exits. It never uses this process's database connections (a
    preparer may open its own read-only one, after the fork)."""

    def __init__(
        self, stream: Iterator[Record], plan: RowPlan, size: int, prepare: Prepare | None = None
    ) -> None:
        context = multiprocessing.get_context("fork")
        self._recv, self._send = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_child,
            args=(stream, plan, size, prepare, self._send, self._recv),
            name="dc-import-reader",
            daemon=True,
        )

    def __enter__(self) -> ForkedBatches:
        _widen(self._send)
        self._process.start()
        self._send.close()  # only the child writes
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._recv.close()
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=5)

    def next(self, timeout: float) -> Any:
        if not self._recv.poll(timeout):
            return WAITING
        try:
            item = self._recv.recv()
        except EOFError:
            raise RuntimeError("the reader process ended before the end of the file") from None
        if isinstance(item, str):
            raise RuntimeError(f"the reader process failed: {item}")
        return item


def _widen(end: Connection) -> None:
    # A pipe holds 64 KiB; a batch is a few hundred KB. With room for two, the child sends and
    # goes on reading while this process stores the previous batch, instead of waiting for it.
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            fcntl.fcntl(end.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _child(
    stream: Iterator[Record],
    plan: RowPlan,
    size: int,
    prepare: Prepare | None,
    send: Connection,
    inherited: Connection,
) -> None:
    # Without the parent's read end, a send fails as soon as the parent closes or dies.
    inherited.close()
    # Rows are plain tuples freed by reference counting; the cycle collector's passes over
    # hundreds of thousands of young tuples would cost a tenth of the reading time.
    gc.disable()
    code = 0
    try:
        for batch in batches(stream, plan, size, prepare):
            send.send(batch)
        send.send(None)
    except (BrokenPipeError, EOFError, ConnectionResetError):
        code = 1  # the writer went away (stopped, failed or killed): nothing left to do
    except BaseException as exc:
        code = 1
        with contextlib.suppress(OSError):
            send.send(f"{type(exc).__name__}: {exc}")
    finally:
        # No interpreter clean-up: it could run finalizers of the parent's objects (pools).
        os._exit(code)

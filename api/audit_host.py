"""One committer of audit entries for every worker process of a server (``upskill serve --workers N`` on
SQLite).

SQLite lets one connection write at a time. Each worker process commits the audit entries of its keyed
reads in groups (``api.services.audit.GroupWriter``); with two processes each group's ``BEGIN IMMEDIATE``
waited for the other process's commit, SQLite's busy handler sleeping 1, 2, 5 ... ms between tries, and
each commit carried 1.5-2.5 entries (bench_http's kept recommendations at 8 connections: the lock's wait
1.4-2.6 ms and the commit's fsync 1.9-2.7 ms of wall time a commit, load 4). Here the server's supervising
process (the one that starts uvicorn's workers and is otherwise idle) commits for them all: a worker
hands each group over a Unix socket (:class:`HostWriter`) and hears on its event loop (or a reader thread)
when it is committed; the host (:class:`AuditHost`) commits whatever the workers sent while its last
commit waited for the disk, in one transaction, then answers each. No process waits for another's lock,
and one fsync serves the entries of every process.

What a request is promised stays: its answer is sent only once its entry is committed (``synchronous``
unchanged), and a group that cannot be committed is refused to its own callers only (the host, then
the worker's, try each caller's entries alone). When the host cannot be reached (gone, or never started: one
worker, PostgreSQL, tests), a worker commits its entries itself, as before. Were the connection to break
after the host committed and before it answered, the worker would commit those entries again: the log would
hold one use twice, never miss one.

The socket lies in a folder of its own that only this user may enter (``tempfile.mkdtemp``); each message is
a 4-byte length and JSON (the entries' columns; the answer: null, or what the commit raised).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import selectors
import shutil
import socket
import struct
import tempfile
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.services.audit import ENTRY_COLUMNS, Commit, Committed, Given, Writer, commit_group, tell

if TYPE_CHECKING:
    from sqlalchemy import Engine

#: Environment variable naming the host's socket, set by :func:`serving` for the worker processes it starts.
AUDIT_HOST_ENV = "UPSKILL_AUDIT_HOST"
#: How often the host's thread looks whether it was closed (seconds).
POLL_SECONDS = 0.2
_LENGTH = struct.Struct(">I")

log = logging.getLogger("upskill.audit")


class AuditHostRefused(RuntimeError):
    """The host could not commit these entries; what its commit raised."""


def wanted(engine: Engine, workers: int) -> bool:
    """Whether a server of ``workers`` processes on ``engine`` commits its audit entries in one host: on a
    SQLite file with more than one process (PostgreSQL commits transactions side by side)."""
    database = engine.url.database or ""
    return workers > 1 and engine.dialect.name == "sqlite" and database not in ("", ":memory:")


@contextmanager
def serving(commit: Commit) -> Iterator[Path]:
    """An :class:`AuditHost` committing with ``commit``, its socket named in :data:`AUDIT_HOST_ENV` for the
    processes started in the block (uvicorn's workers inherit the environment); closed, its folder removed
    and the variable cleared when the block ends."""
    folder = Path(tempfile.mkdtemp(prefix="upskill-audit-"))
    path = folder / "host.sock"
    host = AuditHost(commit, path)
    os.environ[AUDIT_HOST_ENV] = str(path)
    try:
        yield path
    finally:
        os.environ.pop(AUDIT_HOST_ENV, None)
        host.close()
        shutil.rmtree(folder, ignore_errors=True)


class AuditHost:
    """Listens on ``path``; commits the entries the workers send, with ``commit``. One thread reads whatever
    has arrived from every worker, commits it in one transaction (``api.services.audit.commit_group``) and
    answers each message; what arrives meanwhile waits in the sockets for the next commit."""

    def __init__(self, commit: Commit, path: Path):
        self._commit = commit
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(path))
        self._listener.listen()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="audit-host", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._closed.set()
        self._thread.join()

    def _serve(self) -> None:
        with selectors.DefaultSelector() as selector, self._listener:
            selector.register(self._listener, selectors.EVENT_READ)
            while not self._closed.is_set():
                group: list[Given] = []
                for key, _ in selector.select(POLL_SECONDS):
                    if key.fileobj is self._listener:
                        connection, _ = self._listener.accept()
                        selector.register(connection, selectors.EVENT_READ, _Worker(connection))
                    elif not key.data.received(group):
                        selector.unregister(key.fileobj)
                        key.data.connection.close()
                if group:
                    commit_group(self._commit, group)
            for key in list(selector.get_map().values()):
                if key.fileobj is not self._listener:
                    key.data.connection.close()


class _Worker:
    """A worker process's connection to the host: what it sent, not yet read whole."""

    def __init__(self, connection: socket.socket):
        self.connection = connection
        self.buffer = bytearray()

    def received(self, group: list[Given]) -> bool:
        """Read what arrived; add each whole message's entries to ``group``. False once the worker has closed
        the connection (or sent what is no message)."""
        try:
            data = self.connection.recv(1 << 16)
        except OSError:
            return False
        if not data:
            return False
        self.buffer += data
        while len(self.buffer) >= _LENGTH.size:
            (length,) = _LENGTH.unpack_from(self.buffer)
            if len(self.buffer) < _LENGTH.size + length:
                break
            message = bytes(self.buffer[_LENGTH.size : _LENGTH.size + length])
            del self.buffer[: _LENGTH.size + length]
            try:
                made = _entries(message)
            except (ValueError, TypeError, IndexError):
                log.exception("an audit host message that is no list of entries: the connection is closed")
                return False
            group.append(Given(made, self.answer))
        return True

    def answer(self, error: Exception | None) -> None:
        """Tell the worker its entries are committed (null) or what their commit raised (in the order the
        messages came)."""
        refused = None if error is None else f"{type(error).__name__}: {error}"
        with suppress(OSError):  # a worker gone: its entries are committed or not, as they are
            self.connection.sendall(_framed(refused))


class HostWriter(Writer):
    """A worker process's audit writer when the server's host runs at ``path``: :meth:`submit` hands the
    entries to the host (one message each, in the order given) and returns at once, and the host's answers
    are read as they come, calling ``committed``: None once committed, :class:`AuditHostRefused` when they
    could not be. They are read on the event loop when the connection was made from one (a served worker
    process: the HTTP fast path submits there first), else by a reader thread. On the loop an answer costs
    no thread of its own: a reader thread took the GIL from the loop for every answer (in bench_http's kept
    recommendations at 8 connections, 0.05 ms of CPU a request in the two reader threads) and, with the loop
    busy, waited for it up to the interpreter's switch interval (5 ms) before the loop heard of the answer.
    A message goes out in the submitting thread (the event loop's, in the HTTP fast path) as far as
    the socket takes it without waiting; when the host has fallen behind reading (a commit waiting for the
    disk for seconds, with many requests in flight) the rest, and the messages after it, are sent by a
    sender thread, so that no submit waits for the host. When the host cannot be reached, or the connection
    breaks, the entries not yet answered go to ``fallback`` (committed here); the next submit tries the host
    again."""

    def __init__(self, path: str, fallback: Writer):
        self._path = path
        self._fallback = fallback
        self._lock = threading.Lock()  # the connection, the queue and what waits to be sent, held briefly
        # (never over a send that waits: the reader must take the answers while the host is slow to read)
        self._connection: socket.socket | None = None
        self._unanswered: deque[tuple[list[dict[str, Any]], Committed]] = deque()
        self._waiting: deque[bytes] = deque()  # sent by the sender thread, in order, before any new message
        self._answers_loop: asyncio.AbstractEventLoop | None = None  # where to read answers (read_answers_on)
        self._loop: asyncio.AbstractEventLoop | None = None  # reading the connection's answers, if any

    def read_answers_on(self, loop: asyncio.AbstractEventLoop) -> None:
        """Read the host's answers on ``loop`` (the served process's event loop, from its lifespan), from the
        next connection on, whichever thread makes it; without one (or once it is closed) a reader thread
        reads them."""
        self._answers_loop = loop

    def submit(self, made: list[dict[str, Any]], committed: Committed) -> None:
        message = _framed([_row(entry) for entry in made])
        with self._lock:
            stale = self._dropped() if self._loop is not None and self._loop.is_closed() else []
            try:
                connection = self._connected()
            except OSError as error:
                failed, lost = error, [(made, committed)]
            else:
                self._unanswered.append((made, committed))  # answers come in the order of the sends
                try:
                    self._send(connection, message)
                except OSError as error:
                    failed, lost = error, self._dropped()
                else:
                    lost = []
        self._to_fallback(stale)  # those of a loop that no longer runs to read their answers (tests)
        if lost:
            log.warning("audit host %s out of reach (%s): entries committed here", self._path, failed)
            self._to_fallback(lost)

    def _send(self, connection: socket.socket, message: bytes) -> None:
        """With the lock held: ``message`` sent as far as the socket takes it without waiting; what it does
        not take (and every message after it until that is sent) left to the sender thread."""
        if not self._waiting:
            try:
                sent = connection.send(message, socket.MSG_DONTWAIT)
            except BlockingIOError:
                sent = 0
            if sent == len(message):
                return
            message = message[sent:]
            threading.Thread(
                target=self._send_waiting, args=(connection,), name="audit-host-sender", daemon=True
            ).start()
        self._waiting.append(message)

    def _send_waiting(self, connection: socket.socket) -> None:
        """The sender thread: what waits to be sent on ``connection``, in order, each send waiting for the
        host to read; ends once nothing waits (or the connection is dropped)."""
        while True:
            with self._lock:
                if self._connection is not connection or not self._waiting:
                    return
                data = self._waiting[0]
            try:
                connection.sendall(data)
            except OSError as error:
                with self._lock:
                    if self._connection is not connection:
                        return  # dropped by a submit or the reader, which took what was unanswered
                    lost = self._dropped()
                log.warning(
                    "audit host %s lost (%s): its unanswered entries committed here", self._path, error
                )
                self._to_fallback(lost)
                return
            with self._lock:
                if self._connection is not connection:
                    return
                self._waiting.popleft()

    def _connected(self) -> socket.socket:
        if self._connection is None:
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                connection.connect(self._path)
            except OSError:
                connection.close()
                raise
            self._connection = connection
            loop = self._answers_loop
            if loop is None or loop.is_closed():
                self._loop = None
                threading.Thread(
                    target=self._read_answers, args=(connection,), name="audit-host-answers", daemon=True
                ).start()
            else:
                self._loop = loop
                arrived = partial(self._answers_arrived, connection, bytearray())
                if _running_loop() is loop:
                    loop.add_reader(connection.fileno(), arrived)
                else:  # from a thread of the pool: watched from the loop's next turn (answers wait meanwhile)
                    loop.call_soon_threadsafe(loop.add_reader, connection.fileno(), arrived)
        return self._connection

    def _answers_arrived(self, connection: socket.socket, buffer: bytearray) -> None:
        """On the loop, when ``connection`` is readable: each whole answer read is the oldest unanswered
        message's. When the host has closed the connection, or it was dropped (:meth:`_dropped` shuts it
        down; only here, on the loop, is it closed, once no longer watched, so that its file descriptor is
        never another's while the loop still watches it), the entries left unanswered go to the fallback."""
        failed: Exception = ConnectionResetError("the connection was closed")
        try:
            data = connection.recv(1 << 16, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return
        except OSError as error:
            data, failed = b"", error
        if data:
            buffer += data
            try:
                answers = _answers(buffer)
            except ValueError as error:
                data, failed = b"", error
            else:
                for answer in answers:
                    with self._lock:
                        _, committed = self._unanswered.popleft()
                    tell(committed, None if answer is None else AuditHostRefused(answer))
        if data:
            return
        loop = asyncio.get_running_loop()
        loop.remove_reader(connection.fileno())
        with self._lock:
            lost = self._dropped() if self._connection is connection else []
        connection.close()
        if lost:
            log.warning("audit host %s lost (%s): its unanswered entries committed here", self._path, failed)
        self._to_fallback(lost)

    def _read_answers(self, connection: socket.socket) -> None:
        """The reader thread of one connection: each answer is the oldest unanswered message's."""
        try:
            while True:
                (length,) = _LENGTH.unpack(_read(connection, _LENGTH.size))
                answer = json.loads(_read(connection, length))
                with self._lock:
                    _, committed = self._unanswered.popleft()
                tell(committed, None if answer is None else AuditHostRefused(answer))
        except (OSError, ValueError) as error:
            with self._lock:
                if self._connection is not connection:
                    return  # dropped by a submit, which took what was unanswered
                lost = self._dropped()
            if lost:
                log.warning(
                    "audit host %s lost (%s): its unanswered entries committed here", self._path, error
                )
            self._to_fallback(lost)

    def _dropped(self) -> list[tuple[list[dict[str, Any]], Committed]]:
        """Close the connection (with the lock held; one whose answers the loop reads is shut down, and
        closed by the loop's reader: :meth:`_answers_arrived`); the messages it left unanswered."""
        if self._connection is not None:
            with suppress(OSError):
                self._connection.shutdown(socket.SHUT_RDWR)  # a send or read waiting on it ends
            if self._loop is None or self._loop.is_closed():
                self._connection.close()
            self._connection = None
        lost = list(self._unanswered)
        self._unanswered.clear()
        self._waiting.clear()
        return lost

    def _to_fallback(self, lost: list[tuple[list[dict[str, Any]], Committed]]) -> None:
        for made, committed in lost:
            self._fallback.submit(made, committed)


def _read(connection: socket.socket, size: int) -> bytes:
    """Exactly ``size`` bytes of ``connection``."""
    data = bytearray()
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise ConnectionResetError("the connection was closed")
        data += chunk
    return bytes(data)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _answers(buffer: bytearray) -> list[str | None]:
    """The whole answers at the start of ``buffer`` (taken out of it): None, or what a commit raised."""
    answers = []
    while len(buffer) >= _LENGTH.size:
        (length,) = _LENGTH.unpack_from(buffer)
        if len(buffer) < _LENGTH.size + length:
            break
        answers.append(json.loads(bytes(buffer[_LENGTH.size : _LENGTH.size + length])))
        del buffer[: _LENGTH.size + length]
    return answers


def _framed(value: Any) -> bytes:
    data = json.dumps(value, separators=(",", ":")).encode()
    return _LENGTH.pack(len(data)) + data


def _row(entry: dict[str, Any]) -> list[Any]:
    """An entry of ``api.services.audit.entries`` as JSON: its columns in order, the time as ISO 8601."""
    return [entry["occurred_at"].isoformat(), *(entry[column] for column in ENTRY_COLUMNS[1:])]


def _entries(message: bytes) -> list[dict[str, Any]]:
    """The entries of a worker's message (:func:`_row`'s lists)."""
    entries = []
    for row in json.loads(message):
        entry = dict(zip(ENTRY_COLUMNS, row, strict=True))
        entry["occurred_at"] = dt.datetime.fromisoformat(row[0])
        entries.append(entry)
    return entries

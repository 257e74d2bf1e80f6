"""``/v1/workers``: workers' profiles (personal data), for hr of their organisation, themselves and admin.

A worker key reads and changes its own profile; hr keys create, list, read, change and delete the workers
of their organisation; admin any. A worker that is not the caller's answers 404, as one that does not exist.

Every route here that reads or changes a worker's data records it in the audit log (``api.services.audit``),
in the request's transaction; deleting a worker leaves an entry that names no one.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from api.http.auth import Keyed, keyed
from api.http.deps import STATEMENT_TIMEOUT, GraphDep, ModelDep, PlanOptionsDep, planning
from api.http.routers.occupations import Limit, Offset
from api.http.routers.planning import plans_json
from api.http.schemas.common import AUTH_PROBLEMS, CONFLICT, PROBLEMS
from api.http.schemas.people import (
    EventCreate,
    EventRecorded,
    RecommendationQuery,
    RecommendationsRead,
    RemovedRead,
    WorkerCreate,
    WorkerExport,
    WorkerPage,
    WorkerRead,
    WorkerUpdate,
)
from api.http.schemas.planning import PlansRead
from api.services import audit, keys, worker_learning, workers
from api.services.keys import UnknownOrganisation
from recommender.errors import InvalidPlanInput

if TYPE_CHECKING:
    from api.runtime import Runtime
    from api.services.plans import PlanOptions
    from data.db import DriverConnection
    from recommender.graph import CompetenceGraph
    from training.artefacts import LoadedModel

router = APIRouter(tags=["workers"], responses={**PROBLEMS, **AUTH_PROBLEMS})

#: Each route opens its transaction, key check and audit entries itself (one thread-pool round trip).
HrOrAdminKeyed = Annotated[Keyed, Depends(keyed("hr", "admin"))]
#: The roles that may use a worker's data: the worker, hr of their organisation, admin.
PERSON_ROLES = ("worker", "hr", "admin")
PersonKeyed = Annotated[Keyed, Depends(keyed(*PERSON_ROLES))]
#: The route of a worker's recommendations, as its audit entries name it.
RECOMMENDATIONS = "GET /v1/workers/{worker_id}/recommendations"
WorkerId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/workers", response_model=WorkerRead, status_code=201, responses=CONFLICT)
def create_worker(body: WorkerCreate, graph: GraphDep, key: HrOrAdminKeyed) -> Any:
    """Create a worker of an organisation (an hr key: its own) with their profile."""
    with key.open() as (db_session, principal, audit):
        if principal.role == "hr":
            organisation_id = body.organisation_id or principal.organisation_id
            if organisation_id != principal.organisation_id:
                raise UnknownOrganisation(str(organisation_id))
        elif body.organisation_id is None:
            raise InvalidPlanInput(
                "an admin key must say which organisation the worker is of", field="organisation_id"
            )
        else:
            organisation_id = body.organisation_id
        assert organisation_id is not None
        profile = body.model_dump(exclude={"organisation_id"}, exclude_unset=True)
        worker = workers.create_worker(
            db_session=db_session, graph=graph, organisation_id=organisation_id, profile=profile
        )
        audit("change", [worker.id])
        return workers.describe_worker(graph=graph, worker=worker)


@router.get("/workers", response_model=WorkerPage)
def list_workers(
    graph: GraphDep,
    key: HrOrAdminKeyed,
    organisation_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Any:
    """List workers by id: an hr key its organisation's, admin all (or one organisation's)."""
    with key.open() as (db_session, principal, audit):
        if principal.role == "hr":
            if organisation_id is not None and organisation_id != principal.organisation_id:
                raise UnknownOrganisation(str(organisation_id))
            organisation_id = principal.organisation_id
        items, total = workers.list_workers(
            db_session=db_session, graph=graph, organisation_id=organisation_id, limit=limit, offset=offset
        )
        audit("read", [item["id"] for item in items])
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.get("/workers/{worker_id}", response_model=WorkerRead)
def read_worker(worker_id: WorkerId, graph: GraphDep, key: PersonKeyed) -> Any:
    """Read a worker's profile."""
    with key.open() as (db_session, principal, audit):
        worker = workers.get_worker(db_session=db_session, worker_id=worker_id, principal=principal)
        audit("read", [worker.id])
        return workers.describe_worker(graph=graph, worker=worker)


@router.patch("/workers/{worker_id}", response_model=WorkerRead, responses=CONFLICT)
def update_worker(worker_id: WorkerId, body: WorkerUpdate, graph: GraphDep, key: PersonKeyed) -> Any:
    """Change a worker's profile: fields sent replace theirs (``skills`` all of them); null clears one."""
    with key.open() as (db_session, principal, audit):
        worker = workers.get_worker(db_session=db_session, worker_id=worker_id, principal=principal)
        changes = body.model_dump(exclude_unset=True)
        worker = workers.update_worker(db_session=db_session, graph=graph, worker=worker, changes=changes)
        audit("change", [worker.id])  # after the change: one that fails (4xx, 503) leaves no entry
        return workers.describe_worker(graph=graph, worker=worker)


@router.delete("/workers/{worker_id}", response_model=RemovedRead)
def delete_worker(worker_id: WorkerId, key: HrOrAdminKeyed) -> Any:
    """Delete a worker and everything held about them; say how many rows went from each table."""
    with key.open() as (db_session, principal, audit):
        workers.get_worker(db_session=db_session, worker_id=worker_id, principal=principal)
        removed = workers.delete_worker(db_session=db_session, worker_id=worker_id)
        audit("delete", [None])  # who deleted a worker and when; whom is gone with their entries
    return {"removed": removed}


@router.get("/workers/{worker_id}/plan", response_model=PlansRead)
async def worker_plan(
    worker_id: WorkerId, graph: GraphDep, options: PlanOptionsDep, model: ModelDep, key: PersonKeyed
) -> Any:
    """Plan toward the worker's target with their saved profile and limits (the answer of POST /v1/plans)."""

    def work() -> bytes:
        with key.open() as (db_session, principal, audit):
            worker = workers.get_worker(db_session=db_session, worker_id=worker_id, principal=principal)
            audit("read", [worker.id])
            answer = worker_learning.plan_for_worker(
                db_session=db_session, graph=graph, options=options, model=model, worker=worker
            )
        return plans_json(answer.to_dict())

    # one plan at a time per process, in turn with POST /v1/plans' and the worker page's
    return Response(await planning(work), media_type="application/json")


@router.get("/workers/{worker_id}/recommendations", response_model=RecommendationsRead)
def worker_recommendations(  # noqa: PLR0913 - FastAPI: the id, the query, the heavy objects, the key
    worker_id: WorkerId,
    query: Annotated[RecommendationQuery, Query()],
    graph: GraphDep,
    options: PlanOptionsDep,
    model: ModelDep,
    key: PersonKeyed,
) -> Any:
    """Rank courses for the worker (toward a target when there is one), each with why."""
    answer = recommendations_json(
        key=key,
        worker_id=worker_id,
        target=query.target,
        limit=query.limit,
        graph=graph,
        options=options,
        model=model,
    )
    return Response(answer, media_type="application/json")


def recommendations_json(  # noqa: PLR0913 - the route's inputs, named
    *,
    key: Keyed,
    worker_id: int,
    target: str | None,
    limit: int,
    graph: CompetenceGraph,
    options: PlanOptions,
    model: LoadedModel | None,
) -> bytes:
    """The answer of :func:`worker_recommendations` as its JSON bytes, once the key is checked (401, 403),
    the worker found among those it may see (404) and the audit entry committed (503 when it cannot be):
    the route's work, shared with its fast path (``api.http.fast``)."""
    with key.open() as (db_session, principal, audit):
        worker = worker_learning.stored_worker(
            db_session=db_session, worker_id=worker_id, principal=principal
        )
        audit("read", [worker.id])
        return worker_learning.rendered_recommendations(
            db_session=db_session,
            graph=graph,
            options=options,
            model=model,
            worker=worker,
            target=target,
            limit=limit,
            render=_recommendations_json,
        )


@dataclass(frozen=True)
class KeptQuestion:
    """One request's question for :func:`kept_recommendations_json`: the key it came with and the route's
    inputs."""

    key: str
    worker_id: int
    target: str | None
    limit: int
    graph: CompetenceGraph
    options: PlanOptions
    model: LoadedModel | None


class KeptAnswers(NamedTuple):
    """:func:`kept_recommendations_json`'s answers (None: the route answers) and the audit entries to commit
    before any of them is sent."""

    answers: list[bytes | None]
    entries: list[dict[str, Any]]


def kept_recommendations_json(
    *,
    runtime: Runtime,
    questions: Sequence[KeptQuestion],
    reads: Callable[[], AbstractContextManager[DriverConnection]] | None = None,
) -> KeptAnswers:
    """The answers of :func:`recommendations_json` to ``questions`` (requests arriving together) that are
    kept (most requests: each worker's answer is computed once until their profile, events, the model or
    the catalogue change), with their work on the driver: the keys and workers read in one driver
    transaction (``data.db.driver_transaction``), and the audit entries of the answers, which the caller
    commits (``runtime.audit_writer``, with those of other requests finishing now) before it sends any of
    them. None for a question with no kept answer, an unknown, revoked or other-role key, or a worker the
    key may not see; None for every question when the reads raise (with ``reads`` on SQLite also when they
    would wait for a lock): :func:`recommendations_json` then answers each, as the
    route does (nothing was written for it). ~0.5 ms of CPU less a request than
    :func:`recommendations_json`'s session (its begin and commit, the Core connection of its audit entry).

    On SQLite a question asked before under the same people version (``data.people_version``: no key,
    worker, skill, event or organisation written since, by anyone) gets the answer and principal found then
    (:class:`GivenAnswers`) without its key and worker read again: the transaction then reads the token
    alone. A revoked key, a deleted or changed worker is a new token, read by the next batch.

    ``reads`` opens the read transaction instead (a caller's own connection: the event loop's on SQLite,
    ``api.http.fast.LoopReads``)."""
    from data.people_version import people_version

    given = _given_answers(runtime)
    opened = reads() if reads is not None else None
    try:
        with opened or runtime.driver_transaction(
            snapshot=True, statement_timeout=STATEMENT_TIMEOUT
        ) as connection:
            version = people_version(connection)
            earlier = given.under(version, questions)
            found = _askers(connection, [q for q, e in zip(questions, earlier, strict=True) if e is None])
    except Exception:  # noqa: BLE001 - the route reads again, with its problem details
        return KeptAnswers([None] * len(questions), [])
    answers: list[bytes | None] = []
    made: list[dict[str, Any]] = []
    read = iter(found)
    for question, before in zip(questions, earlier, strict=True):
        answer, principal = before if before is not None else _kept(question, next(read))
        if answer is not None and principal is not None:
            if before is None:
                given.keep(version, question, answer, principal)
            made += audit.entries(
                principal=principal, action="read", route=RECOMMENDATIONS, worker_ids=[question.worker_id]
            )
        answers.append(answer)
    return KeptAnswers(answers, made)


def _kept(
    question: KeptQuestion, read: tuple[keys.Principal, worker_learning.StoredWorker] | None
) -> tuple[bytes | None, keys.Principal | None]:
    """The kept answer to ``question`` of the key's principal and the worker read for it (None, None: no
    answer kept, or no access)."""
    if read is None:
        return None, None
    principal, worker = read
    answer = worker_learning.kept_recommendations(
        graph=question.graph,
        options=question.options,
        model=question.model,
        worker=worker,
        target=question.target,
        limit=question.limit,
        render=_recommendations_json,
    )
    return answer, principal


#: Answers a process's :class:`GivenAnswers` holds at most (each a reference to bytes its kept answers hold).
GIVEN_KEPT = 1024


class GivenAnswers:
    """The kept answers given under the current people version (``data.people_version``, SQLite), by
    question: the key (its SHA-256), the worker, ``target``, ``limit`` and the day, with the principal of the
    key and the served graph, options and model they were given for (compared by identity). Emptied when
    the version changes; nothing is kept without one (PostgreSQL). Only the event loop's batches use it (a
    lock all the same)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: str | None = None
        self._given: OrderedDict[tuple[Any, ...], tuple[bytes, keys.Principal, tuple[Any, ...]]] = (
            OrderedDict()
        )

    def under(
        self, version: str | None, questions: Sequence[KeptQuestion]
    ) -> list[tuple[bytes, keys.Principal] | None]:
        """For each question, its answer and principal given before under ``version`` (else None)."""
        with self._lock:
            if version is None or version != self._version:
                self._given.clear()
                self._version = version
                return [None] * len(questions)
            found: list[tuple[bytes, keys.Principal] | None] = []
            for question in questions:
                entry = self._given.get(_asked(question))
                if entry is None or not _same_served(entry[2], question):
                    found.append(None)
                else:
                    found.append((entry[0], entry[1]))
            return found

    def keep(
        self, version: str | None, question: KeptQuestion, answer: bytes, principal: keys.Principal
    ) -> None:
        """Keep ``answer`` to ``question``, given to ``principal`` under ``version`` (not when the version
        has changed since, nor without one)."""
        with self._lock:
            if version is None or version != self._version:
                return
            self._given[_asked(question)] = (
                answer,
                principal,
                (question.graph, question.options, question.model),
            )
            while len(self._given) > GIVEN_KEPT:
                self._given.popitem(last=False)


def _asked(question: KeptQuestion) -> tuple[Any, ...]:
    return (keys.hash_key(question.key), question.worker_id, question.target, question.limit, dt.date.today())


def _same_served(served: tuple[Any, ...], question: KeptQuestion) -> bool:
    graph, options, model = served
    return graph is question.graph and options is question.options and model is question.model


_given: weakref.WeakKeyDictionary[Runtime, GivenAnswers] = weakref.WeakKeyDictionary()


def _given_answers(runtime: Runtime) -> GivenAnswers:
    """The process's :class:`GivenAnswers` of ``runtime``."""
    found = _given.get(runtime)
    if found is None:
        found = _given[runtime] = GivenAnswers()
    return found


def _askers(
    connection: DriverConnection, questions: Sequence[KeptQuestion]
) -> list[tuple[keys.Principal, worker_learning.StoredWorker] | None]:
    """For each question, its key's principal and the worker asked about, read on ``connection``; None when
    the key is unknown, revoked or of another role, or the worker is not one it may see."""
    found: list[tuple[keys.Principal, worker_learning.StoredWorker] | None] = []
    principals: dict[str, keys.Principal | None] = {}  # a key asked twice: read once
    for question in questions:
        if question.key not in principals:
            principals[question.key] = keys.key_principal(connection, plaintext=question.key)
        principal = principals[question.key]
        if principal is None or principal.role not in PERSON_ROLES:
            found.append(None)
            continue
        try:
            worker = worker_learning.stored_worker_on(
                connection, worker_id=question.worker_id, principal=principal
            )
        except keys.UnknownWorker:
            found.append(None)
            continue
        found.append((principal, worker))
    return found


def _recommendations_json(answer: dict[str, Any]) -> bytes:
    """An answer as the route's JSON, checked against its schema: made once per kept answer."""
    return RecommendationsRead.model_validate(answer).model_dump_json().encode()


@router.post("/workers/{worker_id}/events", response_model=EventRecorded, status_code=201)
def record_event(worker_id: WorkerId, body: EventCreate, key: PersonKeyed) -> Any:
    """Record what the worker did with a course; a completion raises their skills to the course's levels."""
    with key.open() as (db_session, principal, audit):
        worker = workers.get_worker(db_session=db_session, worker_id=worker_id, principal=principal)
        event, raised = worker_learning.record_event(
            db_session=db_session,
            worker=worker,
            course_id=body.course_id,
            kind=body.kind,
            value=body.value,
            occurred_at=body.occurred_at,
        )
        audit("change", [worker.id])
        return {"event": worker_learning.describe_event(event), "skills_raised": raised}


@router.get("/workers/{worker_id}/export", response_model=WorkerExport)
def export_worker(worker_id: WorkerId, graph: GraphDep, key: PersonKeyed) -> Any:
    """Everything held about the worker (GDPR access): profile, skills, events, cohorts, keys, accesses."""
    with key.open() as (db_session, principal, audit):
        worker = workers.get_worker(db_session=db_session, worker_id=worker_id, principal=principal)
        audit("export", [worker.id])  # this export is among the accesses it lists
        return worker_learning.export_worker(db_session=db_session, graph=graph, worker=worker)

"""The competence graph: ESCO skills, skill groups and occupations plus courses and microbadges.

Two views of the same data:

* ``CompetenceGraph.graph``: a networkx ``MultiDiGraph`` whose node keys are the outside ids (ESCO URIs,
  course and badge ids) with a ``kind`` attribute, and typed edges (the edge key is the edge kind):

  ========================  ====================  =========================================
  edge kind                 from -> to            attributes
  ========================  ====================  =========================================
  ``essential``             occupation -> skill
  ``optional``              occupation -> skill
  ``broader``               skill/group -> skill/group (narrower -> broader)
  ``related_essential``     skill -> skill        ESCO's skill-skill relation, both ways
  ``related_optional``      skill -> skill
  ``occupation_broader``    occupation -> occupation (narrower -> broader)
  ``teaches``               course -> skill       ``level`` 0..4, ``confidence``
  ``course_prerequisite``   course -> course      (course requires the target first)
  ``badge_skill``           badge -> skill        ``level`` 0..4
  ``badge_course``          badge -> course
  ``badge_prerequisite``    badge -> badge
  ========================  ====================  =========================================

* precomputed arrays that requests use so that none walks the whole graph: the sparse occupation x skill
  requirement matrix, skill specificity weights, the skill-hierarchy ancestors, related skills, ISCO codes
  and the label index (:mod:`recommender.labels`).

The graph is built once (:meth:`CompetenceGraph.from_data`) and is read-only afterwards. A snapshot is a
directory with ``arrays.npz`` (numbers only, loaded with ``allow_pickle=False``) and ``nodes.json`` (ids,
labels and node attributes); see :meth:`CompetenceGraph.save`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from recommender.errors import UnknownOccupation, UnknownSkill, UpskillError
from recommender.labels import LabelIndex

if TYPE_CHECKING:
    import networkx as nx

SNAPSHOT_FORMAT = "upskill-competence-graph/1"

NodeKind = Literal["skill", "skill_group", "occupation", "course", "badge"]
NODE_KINDS: tuple[NodeKind, ...] = ("skill", "skill_group", "occupation", "course", "badge")
EDGE_KINDS = (
    "essential",
    "optional",
    "broader",
    "related_essential",
    "related_optional",
    "occupation_broader",
    "teaches",
    "course_prerequisite",
    "badge_skill",
    "badge_course",
    "badge_prerequisite",
)
_EDGE_CODE = {kind: code for code, kind in enumerate(EDGE_KINDS)}
_KIND_CODE: dict[str, int] = {kind: code for code, kind in enumerate(NODE_KINDS)}

ESSENTIAL = 2
OPTIONAL = 1


# --- plain input records (what data.graph_loader produces) ---------------------------------------------


@dataclass(frozen=True)
class Concept:
    """A node with labels: a skill, skill group, occupation, course or badge, with its own attributes."""

    uri: str
    label: str
    alt_labels: tuple[str, ...] = ()
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class GraphData:
    """Everything the graph is built from, as plain rows. Ids are outside ids (URIs, course/badge ids).

    ``occupations`` attributes must hold ``isco_code`` (the ISCO unit group, e.g. ``"7231"``) and ``code``.
    Pair lists are ``(from, to, ...)`` tuples in the direction of the edge table of this module.
    """

    skills: list[Concept] = field(default_factory=list)
    skill_groups: list[Concept] = field(default_factory=list)
    occupations: list[Concept] = field(default_factory=list)
    courses: list[Concept] = field(default_factory=list)
    badges: list[Concept] = field(default_factory=list)
    skill_broader: list[tuple[str, str]] = field(default_factory=list)  # (narrower, broader)
    skill_relations: list[tuple[str, str, str]] = field(default_factory=list)  # (skill, related, type)
    occupation_broader: list[tuple[str, str]] = field(default_factory=list)  # occupation -> occupation
    occupation_skills: list[tuple[str, str, str]] = field(default_factory=list)  # (occ, skill, type)
    course_skills: list[tuple[str, str, int, float]] = field(default_factory=list)  # level, confidence
    course_prerequisites: list[tuple[str, str]] = field(default_factory=list)  # (course, prerequisite)
    badge_skills: list[tuple[str, str, int]] = field(default_factory=list)
    badge_courses: list[tuple[str, str]] = field(default_factory=list)
    badge_prerequisites: list[tuple[str, str]] = field(default_factory=list)  # (badge, required badge)


# --- the graph ---------------------------------------------------------------------------------------


class CompetenceGraph:
    """The read-only competence graph with the precomputed structures requests need.

    Build it with :meth:`from_data` or :meth:`load`; do not mutate it afterwards.

    Attributes
    ----------
    skill_uris, occupation_uris : list of str
        Outside ids in matrix order; ``skill_index``/``occupation_index`` map back.
    requirements : scipy.sparse.csr_matrix, shape (n_occupations, n_skills), dtype int8
        2 where the skill is essential for the occupation, 1 where optional.
    specificity : ndarray, shape (n_skills,), dtype float64
        Smoothed inverse document frequency over occupations, ``log((1 + N) / (1 + df)) + 1``: a skill few
        occupations require weighs more than one almost all require.
    ancestors : scipy.sparse.csr_matrix, shape (n_skills, n_skills), dtype int8
        ``ancestors[s, b] = 1`` when skill ``b`` is a broader skill of ``s`` (transitively; groups excluded).
    related : scipy.sparse.csr_matrix, shape (n_skills, n_skills), dtype int8
        ESCO related skills, symmetric: 2 essential, 1 optional.
    group_uris : list of str
        Skill-group URIs (ESCO skills hierarchy) in column order of ``skill_groups``.
    skill_groups : scipy.sparse.csr_matrix, shape (n_skills, n_groups), dtype int8
        ``skill_groups[s, g] = 1`` when group ``g`` is above skill ``s`` in the skills hierarchy (directly,
        through a broader skill, or through a broader group), e.g. *weld* -> *metalworking skills* ->
        *working with machinery and specialised equipment*.
    isco_codes : list of str
        ISCO unit group per occupation.
    occupation_labels, occupation_alt_labels : list
        Preferred label and alternative labels per occupation.
    """

    def __init__(
        self,
        nodes: dict[str, list[Any]],
        edges: dict[str, NDArray[Any]],
        metadata: dict[str, Any],
        labels: LabelIndex | None = None,
    ):
        self._nodes = nodes  # "id", "kind", "label", "alt_labels", "attributes" -> lists (one per node)
        self._edges = edges  # "src", "dst" (node positions), "kind" (edge code), "value"
        self.metadata = metadata
        self._nx: nx.MultiDiGraph | None = None
        # derived structures other modules compute once per graph (e.g. adjacent-role matrices)
        self.cache: dict[str, Any] = {}
        self._derive(labels)

    # -- construction ----------------------------------------------------------------------------------

    @classmethod
    def from_data(cls, data: GraphData) -> CompetenceGraph:
        """Build the graph and every precomputed structure from plain rows.

        An edge with an end that is not a node is left out and counted per kind in
        ``metadata["skipped_edges"]``.
        """
        ids: list[str] = []
        kinds: list[int] = []
        labels: list[str] = []
        alts: list[list[str]] = []
        attrs: list[dict[str, Any]] = []
        position: dict[str, int] = {}
        for kind, concepts in (
            ("skill", data.skills),
            ("skill_group", data.skill_groups),
            ("occupation", data.occupations),
            ("course", data.courses),
            ("badge", data.badges),
        ):
            for concept in concepts:
                if concept.uri in position:
                    continue  # a URI appears once; the first kind wins (ESCO never reuses them)
                position[concept.uri] = len(ids)
                ids.append(concept.uri)
                kinds.append(_KIND_CODE[kind])
                labels.append(concept.label)
                alts.append(list(concept.alt_labels))
                attrs.append(dict(concept.attributes))

        src: list[int] = []
        dst: list[int] = []
        ecode: list[int] = []
        value: list[float] = []
        teach_confidence: list[float] = []

        skipped: dict[str, int] = {}

        def add(kind: str, rows: Iterable[tuple[Any, ...]], val: int | None = None) -> None:
            for row in rows:
                a, b = row[0], row[1]
                if a not in position or b not in position:
                    # a relation whose end is not a node (ESCO's relation files name a few concepts that
                    # its concept files do not release); counted in metadata["skipped_edges"]
                    skipped[kind] = skipped.get(kind, 0) + 1
                    continue
                src.append(position[a])
                dst.append(position[b])
                ecode.append(_EDGE_CODE[kind])
                value.append(float(row[val]) if val is not None else 1.0)
                if kind == "teaches":
                    teach_confidence.append(float(row[3]))

        add("essential", (r for r in data.occupation_skills if r[2] == "essential"))
        add("optional", (r for r in data.occupation_skills if r[2] != "essential"))
        add("broader", data.skill_broader)
        add("related_essential", (r for r in data.skill_relations if r[2] == "essential"))
        add("related_optional", (r for r in data.skill_relations if r[2] != "essential"))
        add("occupation_broader", data.occupation_broader)
        add("teaches", data.course_skills, val=2)
        add("course_prerequisite", data.course_prerequisites)
        add("badge_skill", data.badge_skills, val=2)
        add("badge_course", data.badge_courses)
        add("badge_prerequisite", data.badge_prerequisites)
        confidence = np.ones(len(src), dtype=np.float32)
        confidence[np.asarray(ecode, dtype=np.int8) == _EDGE_CODE["teaches"]] = teach_confidence

        nodes: dict[str, list[Any]] = {
            "id": ids,
            "kind": kinds,
            "label": labels,
            "alt_labels": alts,
            "attributes": attrs,
        }
        edges: dict[str, NDArray[Any]] = {
            "src": np.asarray(src, dtype=np.int32),
            "dst": np.asarray(dst, dtype=np.int32),
            "kind": np.asarray(ecode, dtype=np.int8),
            "value": np.asarray(value, dtype=np.float32),
            "confidence": confidence,
        }
        graph = cls(nodes, edges, {"format": SNAPSHOT_FORMAT, "skipped_edges": skipped})
        graph.metadata["content_sha256"] = graph._content_hash()
        _ = graph.graph  # build the networkx view now: start-up pays, requests do not
        return graph

    def _derive(self, label_index: LabelIndex | None) -> None:
        ids: list[str] = self._nodes["id"]
        kinds = np.asarray(self._nodes["kind"], dtype=np.int8)
        self.kinds = kinds
        self.position: dict[str, int] = {uri: i for i, uri in enumerate(ids)}
        skill_pos = np.flatnonzero(kinds == _KIND_CODE["skill"])
        occ_pos = np.flatnonzero(kinds == _KIND_CODE["occupation"])
        self.skill_uris: list[str] = [ids[i] for i in skill_pos]
        self.occupation_uris: list[str] = [ids[i] for i in occ_pos]
        self.skill_index: dict[str, int] = {uri: i for i, uri in enumerate(self.skill_uris)}
        self.occupation_index: dict[str, int] = {uri: i for i, uri in enumerate(self.occupation_uris)}
        n_nodes, n_skills, n_occ = len(ids), len(self.skill_uris), len(self.occupation_uris)
        # node position -> index in its own kind (-1 elsewhere)
        to_skill = np.full(n_nodes, -1, dtype=np.int64)
        to_skill[skill_pos] = np.arange(n_skills)
        to_occ = np.full(n_nodes, -1, dtype=np.int64)
        to_occ[occ_pos] = np.arange(n_occ)

        src, dst, ekind = self._edges["src"], self._edges["dst"], self._edges["kind"]

        def pairs(*names: str) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.int8]]:
            mask = np.isin(ekind, [_EDGE_CODE[n] for n in names])
            return src[mask], dst[mask], ekind[mask]

        s, d, k = pairs("essential", "optional")
        rel = np.where(k == _EDGE_CODE["essential"], ESSENTIAL, OPTIONAL).astype(np.int8)
        req = sp.coo_matrix((rel, (to_occ[s], to_skill[d])), shape=(n_occ, n_skills)).tocsr()
        req.sum_duplicates()
        req.data = np.minimum(req.data, ESSENTIAL).astype(np.int8)
        req.sort_indices()
        self.requirements: sp.csr_matrix = req

        df = np.bincount(req.indices, minlength=n_skills).astype(np.float64)
        self.specificity: NDArray[np.float64] = np.log((1.0 + n_occ) / (1.0 + df)) + 1.0

        s, d, _ = pairs("broader")
        keep = (to_skill[s] >= 0) & (to_skill[d] >= 0)
        parent = sp.csr_matrix(
            (np.ones(int(keep.sum()), dtype=np.int8), (to_skill[s[keep]], to_skill[d[keep]])),
            shape=(n_skills, n_skills),
        )
        self.ancestors: sp.csr_matrix = _transitive_closure(parent)

        # skill -> skill-group ancestors: direct skill -> group edges of the skill and of its broader
        # skills, then every broader group of those groups
        group_pos = np.flatnonzero(kinds == _KIND_CODE["skill_group"])
        self.group_uris: list[str] = [ids[i] for i in group_pos]
        to_group = np.full(n_nodes, -1, dtype=np.int64)
        to_group[group_pos] = np.arange(len(group_pos))
        n_groups = len(group_pos)
        s, d, _ = pairs("broader")
        direct = (to_skill[s] >= 0) & (to_group[d] >= 0)
        skill_group = sp.csr_matrix(
            (np.ones(int(direct.sum()), dtype=np.int8), (to_skill[s[direct]], to_group[d[direct]])),
            shape=(n_skills, n_groups),
        )
        between = (to_group[s] >= 0) & (to_group[d] >= 0)
        group_closure = _transitive_closure(
            sp.csr_matrix(
                (np.ones(int(between.sum()), dtype=np.int8), (to_group[s[between]], to_group[d[between]])),
                shape=(n_groups, n_groups),
            )
        )
        own_and_broader = (sp.identity(n_skills, dtype=np.int8, format="csr") + self.ancestors) @ skill_group
        groups = (own_and_broader + own_and_broader @ group_closure).astype(bool).astype(np.int8).tocsr()
        groups.sort_indices()
        self.skill_groups: sp.csr_matrix = groups

        s, d, k = pairs("related_essential", "related_optional")
        strength = np.where(k == _EDGE_CODE["related_essential"], 2, 1).astype(np.int8)
        rs, rd = to_skill[s], to_skill[d]
        off_diagonal = rs != rd  # a skill is not related to itself
        rs, rd, strength = rs[off_diagonal], rd[off_diagonal], strength[off_diagonal]
        related = sp.coo_matrix(
            (np.concatenate([strength, strength]), (np.concatenate([rs, rd]), np.concatenate([rd, rs]))),
            shape=(n_skills, n_skills),
        ).tocsr()
        related.sum_duplicates()
        related.data = np.minimum(related.data, 2).astype(np.int8)
        self.related: sp.csr_matrix = related

        attrs = self._nodes["attributes"]
        self.isco_codes: list[str] = [str(attrs[i].get("isco_code", "")) for i in occ_pos]
        labels = self._nodes["label"]
        self.skill_labels: list[str] = [labels[i] for i in skill_pos]
        self.occupation_labels: list[str] = [labels[i] for i in occ_pos]
        self.occupation_alt_labels: list[tuple[str, ...]] = [
            tuple(self._nodes["alt_labels"][i]) for i in occ_pos
        ]

        s, d, _ = pairs("occupation_broader")
        self.occupation_parent: dict[str, list[str]] = {}
        for a, b in zip(s.tolist(), d.tolist(), strict=True):
            self.occupation_parent.setdefault(ids[a], []).append(ids[b])

        self.labels = label_index or LabelIndex(
            [
                (ids[i], self._nodes["label"][i], self._nodes["alt_labels"][i], NODE_KINDS[kinds[i]])
                for i in np.flatnonzero(np.isin(kinds, [_KIND_CODE["skill"], _KIND_CODE["occupation"]]))
            ]
        )

    # -- networkx view ---------------------------------------------------------------------------------

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The networkx view (built on first use after :meth:`load`). Edge keys are the edge kinds."""
        if self._nx is None:
            import networkx as nx  # only here: most requests never need the networkx view

            g = nx.MultiDiGraph()
            ids = self._nodes["id"]
            g.add_nodes_from(
                (ids[i], {"kind": NODE_KINDS[k], "label": self._nodes["label"][i]})
                for i, k in enumerate(self._nodes["kind"])
            )
            kinds = self._edges["kind"].tolist()
            values = self._edges["value"].tolist()
            conf = self._edges["confidence"].tolist()
            edges = []
            for a, b, k, v, c in zip(
                self._edges["src"].tolist(), self._edges["dst"].tolist(), kinds, values, conf, strict=True
            ):
                kind = EDGE_KINDS[k]
                attr: dict[str, Any] = {"kind": kind}
                if kind in ("teaches", "badge_skill"):
                    attr["level"] = int(v)
                if kind == "teaches":
                    attr["confidence"] = c
                edges.append((ids[a], ids[b], kind, attr))
                if kind.startswith("related_"):
                    edges.append((ids[b], ids[a], kind, attr))
            g.add_edges_from(edges)
            self._nx = g
        return self._nx

    # -- look-ups -------------------------------------------------------------------------------------

    def label(self, uri: str) -> str:
        """The preferred label of any node (the id itself when unknown)."""
        pos = self.position.get(uri)
        return uri if pos is None else str(self._nodes["label"][pos])

    def attributes(self, uri: str) -> dict[str, Any]:
        pos = self.position.get(uri)
        return {} if pos is None else dict(self._nodes["attributes"][pos])

    def resolve_occupation(self, ref: str) -> str:
        """The URI of an occupation given its URI or an exact (case-insensitive) preferred or alt label.

        Raises
        ------
        UnknownOccupation
            With the closest label matches when nothing matches exactly.
        """
        if ref in self.occupation_index:
            return ref
        uri = self.labels.exact(ref, kind="occupation")
        if uri is not None:
            return uri
        raise UnknownOccupation(ref, self.labels.suggestions(ref, kind="occupation"))

    def resolve_skill(self, ref: str) -> str:
        """The URI of a skill given its URI or exact (case-insensitive) label, else :class:`UnknownSkill`."""
        if ref in self.skill_index:
            return ref
        uri = self.labels.exact(ref, kind="skill")
        if uri is not None:
            return uri
        raise UnknownSkill(ref, self.labels.suggestions(ref, kind="skill"))

    def requirements_of(self, occupation_uri: str) -> tuple[NDArray[np.int32], NDArray[np.int8]]:
        """Skill indices required by an occupation and their relation (2 essential, 1 optional)."""
        row = self.occupation_index[occupation_uri]
        lo, hi = self.requirements.indptr[row], self.requirements.indptr[row + 1]
        return self.requirements.indices[lo:hi], self.requirements.data[lo:hi]

    def skill_ancestors(self, skill: int) -> NDArray[np.int32]:
        """Indices of the broader skills of a skill index (transitively)."""
        lo, hi = self.ancestors.indptr[skill], self.ancestors.indptr[skill + 1]
        return self.ancestors.indices[lo:hi]

    def skill_related(self, skill: int) -> tuple[NDArray[np.int32], NDArray[np.int8]]:
        """Indices of the related skills of a skill index and the strength (2 essential, 1 optional)."""
        lo, hi = self.related.indptr[skill], self.related.indptr[skill + 1]
        return self.related.indices[lo:hi], self.related.data[lo:hi]

    def counts(self) -> dict[str, int]:
        """Nodes per kind and edges per kind (for reports and tests)."""
        out = {f"nodes_{k}": int((self.kinds == c).sum()) for k, c in _KIND_CODE.items()}
        for kind, code in _EDGE_CODE.items():
            out[f"edges_{kind}"] = int((self._edges["kind"] == code).sum())
        return out

    # -- snapshot -------------------------------------------------------------------------------------

    def save(self, directory: Path, *, with_labels: bool = False) -> Path:
        """Write a snapshot: ``arrays.npz`` (edges, numbers only) and ``nodes.json`` (ids, labels, metadata).

        Only edges and nodes are stored; the derived matrices are recomputed on load (well under a second),
        so a snapshot can never disagree with its own graph. ``with_labels`` also stores the built label
        index (``labels.npz``, ``labels.json``; building it takes most of a load): for a cache that is keyed
        by the code that built it (``data.graph_cache``), not for a snapshot kept across upgrades.
        """
        directory.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(directory / "arrays.npz", **self._edges)  # type: ignore[arg-type]
        document = {"metadata": self.metadata, "nodes": self._nodes}
        (directory / "nodes.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        if with_labels:
            arrays, state = self.labels.to_state()
            np.savez(directory / "labels.npz", **arrays)  # type: ignore[arg-type]
            labels_document = {"content_sha256": self.metadata.get("content_sha256"), "state": state}
            (directory / "labels.json").write_text(json.dumps(labels_document, ensure_ascii=False), "utf-8")
        return directory

    @classmethod
    def load(cls, directory: Path) -> CompetenceGraph:
        """Load a snapshot written by :meth:`save` (the networkx view is built on first use)."""
        meta_path, arrays_path = directory / "nodes.json", directory / "arrays.npz"
        for path in (meta_path, arrays_path):
            if not path.exists():
                raise UpskillError(
                    f"{path}: graph snapshot file missing; write one with CompetenceGraph.save"
                )
        document = json.loads(meta_path.read_text(encoding="utf-8"))
        metadata = document.get("metadata", {})
        if metadata.get("format") != SNAPSHOT_FORMAT:
            raise UpskillError(
                f"{meta_path}: snapshot format {metadata.get('format')!r} is not {SNAPSHOT_FORMAT!r}; "
                "rebuild the snapshot from the database"
            )
        with np.load(arrays_path, allow_pickle=False) as arrays:
            edges = {name: arrays[name] for name in ("src", "dst", "kind", "value", "confidence")}
        return cls(document["nodes"], edges, metadata, labels=_saved_labels(directory, metadata))

    def _content_hash(self) -> str:
        digest = hashlib.sha256()
        digest.update(json.dumps(self._nodes["id"]).encode())
        for name in ("src", "dst", "kind"):
            digest.update(np.ascontiguousarray(self._edges[name]).tobytes())
        return digest.hexdigest()


def _saved_labels(directory: Path, metadata: dict[str, Any]) -> LabelIndex | None:
    """The label index saved with the snapshot (``save(with_labels=True)``) if it belongs to this graph."""
    document_path, arrays_path = directory / "labels.json", directory / "labels.npz"
    if not (document_path.exists() and arrays_path.exists()):
        return None
    document = json.loads(document_path.read_text(encoding="utf-8"))
    if document.get("content_sha256") != metadata.get("content_sha256"):
        return None
    with np.load(arrays_path, allow_pickle=False) as arrays:
        return LabelIndex.from_state({name: arrays[name] for name in arrays.files}, document["state"])


def _transitive_closure(parent: sp.csr_matrix) -> sp.csr_matrix:
    """All ancestors along ``parent`` edges (a DAG in ESCO; cycles would only stop the walk).

    Parameters
    ----------
    parent : scipy.sparse.csr_matrix, shape (n, n)
        ``parent[i, j]`` non-zero when ``j`` is a direct broader item of ``i``.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (n, n), dtype int8
        ``1`` where ``j`` is reachable from ``i`` in one or more steps (never on the diagonal).
    """
    n = parent.shape[0]
    step = (parent != 0).astype(np.int8).tocsr()
    closure = step.copy()
    frontier = step
    for _ in range(n):
        frontier = (frontier @ step).astype(bool).astype(np.int8)
        new = frontier - frontier.multiply(closure)
        new.eliminate_zeros()
        if new.nnz == 0:
            break
        closure = (closure + new).astype(bool).astype(np.int8)
        frontier = new
    coo = closure.tocoo()
    off_diagonal = (coo.row != coo.col) & (coo.data != 0)  # nothing is its own ancestor
    out = sp.csr_matrix(
        (coo.data[off_diagonal], (coo.row[off_diagonal], coo.col[off_diagonal])), shape=closure.shape
    )
    out.sort_indices()
    return out


__all__ = [
    "CompetenceGraph",
    "Concept",
    "GraphData",
    "EDGE_KINDS",
    "NODE_KINDS",
    "ESSENTIAL",
    "OPTIONAL",
]

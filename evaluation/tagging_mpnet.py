"""Experiment (needs PyTorch for one step): the course tagger's dev precision@5 with another sentence model.

The tagger (``data.catalogue.make_tagger``) ranks the skills its extractor scores by ``sqrt(s / s_max) +
w cos(text, label)``, the cosine between all-MiniLM-L6-v2 vectors (``recommender/text/embedding.py``, in
numpy). This program measures, on the ``dev`` courses of ``tests/evaluation/tagging_gold.json`` only (it never
reads a test text), the same blend with the vectors of a bigger sentence-transformers model (measured:
all-mpnet-base-v2) in place of MiniLM's, with ``w`` re-chosen on dev and cross-validated (chosen inside each
of 5 folds, 10 shuffles), and the cosine alone. See ``evaluation/TAGGING_GOLD.md`` (2026-12-06, "A bigger
sentence model").

Three steps, the middle one in a private virtual environment with PyTorch (not part of upskill's; e.g.
``python3.11 -m venv V && V/bin/pip install torch==2.13.0 transformers tokenizers safetensors``)::

    .venv/bin/python -m evaluation.tagging_mpnet dump WORK
    V/bin/python -m evaluation.tagging_mpnet encode MINILM_DIR WORK minilm   # the harness check
    V/bin/python -m evaluation.tagging_mpnet encode MPNET_DIR WORK mpnet [--max-length 256]
    .venv/bin/python -m evaluation.tagging_mpnet measure WORK [--json FILE]

``dump`` writes the dev texts, ESCO's preferred labels, the extractor's scores, the gold skills and the
shipped MiniLM vectors (numpy encoder) to ``WORK``; ``encode`` embeds the texts and labels with the model
folder's ``transformers`` weights as sentence-transformers does (tokens cut at ``max_seq_length`` of
``sentence_bert_config.json``, mean pooling over the mask, L2 normalisation; one thread); ``measure`` prints
the table. ``encode`` imports only numpy, torch, tokenizers and transformers, so it runs outside upskill's
environment. ``encode ... minilm`` on the shipped package's folder (``data.sentence_model.model_dir()``) must
give the numpy encoder's vectors (``measure`` prints the largest difference) and its dev precision@5.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: The cosine's weights tried in the blend (the shipped weight is 1).
WEIGHTS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0)
#: MiniLM's and the other model's weights when both cosines are blended.
BOTH = tuple(
    (a, b)
    for a in (0.0, 0.25, 0.5, 0.75, 1.0)
    for b in (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
    if a + b > 0
)
SHUFFLES = 10


def dump(work: Path) -> None:
    """Write what ``encode`` and ``measure`` need of the dev courses (never a test course) to ``work``."""
    from data import catalogue, sentence_model, skill_texts
    from evaluation.tagging import course_texts, load_gold

    dev = [g for g in load_gold() if g.split == "dev"]
    texts, source = course_texts([g.course_id for g in dev])
    ordered = [texts[g.course_id] for g in dev]
    skills = skill_texts.from_release()
    tagger = catalogue.make_tagger(work / "cache").fit(skills)
    if tagger.label_vectors_ is None:
        raise sentence_model.ModelMissing(
            f"the experiment needs the sentence model: `{sentence_model.INSTALL}`"
        )
    extractor = tagger.extractor_
    scores = extractor.combine(*extractor.components(ordered)).astype(np.float32)
    encoder = sentence_model.load_encoder()
    cpu = time.process_time()
    text_vectors = encoder.encode(ordered)
    text_cpu = round(time.process_time() - cpu, 1)
    index = {uri: i for i, uri in enumerate(tagger.uris_)}
    work.mkdir(parents=True, exist_ok=True)
    np.savez(
        work / "dev.npz",
        scores=scores,
        minilm_numpy_text=text_vectors,
        minilm_numpy_label=tagger.label_vectors_,
    )
    document = {
        "course_ids": [g.course_id for g in dev],
        "texts": ordered,
        "labels": [s.preferred_label for s in skills],
        "gold": [sorted(index[u] for u in g.skills if u in index) for g in dev],
        "source": source,
        "minilm_dir": str(sentence_model.model_dir()),
    }
    (work / "dev.json").write_text(json.dumps(document), encoding="utf-8")
    print(f"{len(dev)} dev courses, {scores.shape[1]} skills, texts from {source}")
    print(f"MiniLM (numpy) on the dev texts: {text_cpu} s CPU")


def encode(model_dir: Path, work: Path, name: str, max_length: int | None = None) -> None:
    """Embed the dumped texts and labels with the model in ``model_dir`` (torch; one thread) into
    ``work/<name>_text.npy`` and ``work/<name>_label.npy``."""
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModel

    torch.set_num_threads(1)
    settings = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
    length = max_length or int(settings["max_seq_length"])
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_padding()  # batches are padded below (tokenizer.json may fix a padding of its own)
    tokenizer.enable_truncation(length)
    model = AutoModel.from_pretrained(str(model_dir), dtype=torch.float32).eval()
    pad = int(model.config.pad_token_id or 0)
    document = json.loads((work / "dev.json").read_text(encoding="utf-8"))
    cost: dict[str, Any] = {"model_dir": str(model_dir), "max_length": length}
    for part, key in (("text", "texts"), ("label", "labels")):
        ids = [e.ids for e in tokenizer.encode_batch(document[key])]
        vectors = np.zeros((len(ids), model.config.hidden_size), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: (len(ids[i]), i))
        cpu, wall = time.process_time(), time.perf_counter()
        start = 0
        with torch.inference_mode():
            while start < len(order):  # batches of similar length, at most 2,048 padded word pieces
                end = start + 1
                while end < len(order) and (end - start + 1) * len(ids[order[end]]) <= 2048:
                    end += 1
                chosen = order[start:end]
                batch = torch.full((len(chosen), len(ids[chosen[-1]])), pad, dtype=torch.long)
                mask = torch.zeros_like(batch)
                for row, i in enumerate(chosen):
                    batch[row, : len(ids[i])] = torch.tensor(ids[i])
                    mask[row, : len(ids[i])] = 1
                states = model(input_ids=batch, attention_mask=mask).last_hidden_state
                weights = mask.unsqueeze(-1).float()
                pooled = (states * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
                vectors[chosen] = torch.nn.functional.normalize(pooled, p=2, dim=1).numpy()
                start = end
        cost[f"{part}_cpu_seconds"] = round(time.process_time() - cpu, 1)
        cost[f"{part}_seconds"] = round(time.perf_counter() - wall, 1)
        cost[f"{part}_word_pieces"] = sum(len(x) for x in ids)
        np.save(work / f"{name}_{part}.npy", vectors)
    (work / f"{name}_cost.json").write_text(json.dumps(cost), encoding="utf-8")
    print(json.dumps(cost))


def cosine_alone(
    scores: NDArray[np.float32], cosine: NDArray[np.float32], floor: float
) -> NDArray[np.float32]:
    """The skills the words score at ``floor`` or more (the blend's candidates) ranked by the cosine alone
    (positive there, 0 elsewhere)."""
    return np.where(scores >= floor, cosine + np.float32(2.0), 0.0).astype(np.float32)


def gold_among(ranked: NDArray[np.float32], gold: Sequence[frozenset[int]], count: int = 40) -> float:
    """Share of all gold skills among each course's ``count`` best by ``ranked``."""
    top = np.argsort(-ranked, axis=1, kind="stable")[:, :count]
    found = sum(len({int(j) for j in row if ranked[c, j] > 0} & gold[c]) for c, row in enumerate(top))
    return found / max(sum(len(g) for g in gold), 1)


def measure(work: Path) -> dict[str, Any]:
    """The dev table: each model's blend by weight, cross-validated, its cosine alone, both cosines."""
    from evaluation.tagging_screen import (
        FLOOR,
        blend,
        bootstrap_interval,
        nested_choice,
        precision_at_5,
        recall_at_10,
    )

    arrays = np.load(work / "dev.npz")
    document = json.loads((work / "dev.json").read_text(encoding="utf-8"))
    gold = [frozenset(g) for g in document["gold"]]
    scores = arrays["scores"]
    cosines = {"minilm (numpy, shipped)": arrays["minilm_numpy_text"] @ arrays["minilm_numpy_label"].T}
    report: dict[str, Any] = {"courses": len(gold), "models": {}}
    if (work / "minilm_text.npy").is_file():
        text, label = np.load(work / "minilm_text.npy"), np.load(work / "minilm_label.npy")
        report["minilm_torch_vs_numpy_max_difference"] = float(
            max(
                np.abs(text - arrays["minilm_numpy_text"]).max(),
                np.abs(label - arrays["minilm_numpy_label"]).max(),
            )
        )
        cosines["minilm (torch)"] = text @ label.T
    for path in sorted(work.glob("*_text.npy")):
        name = path.name.removesuffix("_text.npy")
        if name != "minilm":
            cosines[name] = np.load(path) @ np.load(work / f"{name}_label.npy").T
    shipped = precision_at_5(blend(scores, [(1.0, cosines["minilm (numpy, shipped)"])]), gold)
    report["shipped_precision_at_5"] = round(float(shipped.mean()), 4)

    def gain(precision: NDArray[np.float64]) -> dict[str, Any]:
        return {
            "precision_at_5": round(float(precision.mean()), 4),
            "gain": round(float((precision - shipped).mean()), 4),
            "gain_interval_95": bootstrap_interval(precision - shipped),
        }

    def in_sample(precision: NDArray[np.float64]) -> dict[str, Any]:
        better, worse = int((precision > shipped).sum()), int((precision < shipped).sum())
        return {**gain(precision), "courses_better": better, "courses_worse": worse}

    for name, cosine in cosines.items():
        per_weight = [precision_at_5(blend(scores, [(w, cosine)]), gold) for w in WEIGHTS]
        best = max(range(len(WEIGHTS)), key=lambda k: per_weight[k].mean())
        report["models"][name] = {
            "blend_precision_at_5": {
                f"{w:g}": round(float(p.mean()), 4) for w, p in zip(WEIGHTS, per_weight, strict=True)
            },
            "blend_recall_at_10": {
                f"{w:g}": round(float(recall_at_10(blend(scores, [(w, cosine)]), gold).mean()), 4)
                for w in WEIGHTS
            },
            "best_weight_in_sample": WEIGHTS[best],
            "in_sample": in_sample(per_weight[best]),
            "cross_validated": gain(nested_choice(per_weight, shuffles=SHUFFLES)),
            "cosine_alone_precision_at_5": round(
                float(precision_at_5(cosine_alone(scores, cosine, FLOOR), gold).mean()), 4
            ),
            "cosine_alone_recall_at_10": round(
                float(recall_at_10(cosine_alone(scores, cosine, FLOOR), gold).mean()), 4
            ),
            "gold_among_40_at_weight_1": round(gold_among(blend(scores, [(1.0, cosine)]), gold), 4),
        }
    others = [name for name in cosines if not name.startswith("minilm")]
    for name in others:
        per_pair = [
            precision_at_5(blend(scores, [(a, cosines["minilm (numpy, shipped)"]), (b, cosines[name])]), gold)
            for a, b in BOTH
        ]
        best = max(range(len(BOTH)), key=lambda k: per_pair[k].mean())
        report["models"][f"minilm + {name}"] = {
            "best_weights_in_sample": BOTH[best],
            "in_sample": in_sample(per_pair[best]),
            "cross_validated": gain(nested_choice(per_pair, shuffles=SHUFFLES)),
        }
    return report


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    steps = parser.add_subparsers(dest="step", required=True)
    steps.add_parser("dump").add_argument("work", type=Path)
    step = steps.add_parser("encode")
    step.add_argument("model_dir", type=Path)
    step.add_argument("work", type=Path)
    step.add_argument("name")
    step.add_argument("--max-length", type=int, help="word pieces kept (default: the model's max_seq_length)")
    step = steps.add_parser("measure")
    step.add_argument("work", type=Path)
    step.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.step == "dump":
        dump(args.work)
    elif args.step == "encode":
        encode(args.model_dir, args.work, args.name, args.max_length)
    else:
        report = measure(args.work)
        print(json.dumps(report, indent=1))
        if args.json:
            args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    main()

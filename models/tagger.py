"""The tagger: label sentences, find their cues, summarise articles; one or many, in parallel.

Speed comes from doing the expensive parts once per batch: one feature transform per batch of
sentences (the same transform ``Pipeline.predict_proba`` runs), probabilities from that matrix,
and contributions as a sparse-matrix x coefficient product (see :mod:`models.cues`); only the
few top features of each sentence are turned into character spans.
"""

from __future__ import annotations

import itertools
import os
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from claimkit.clean import content_regions
from claimkit.context import in_order
from claimkit.errors import ClaimkitError, InputError
from claimkit.labels import HEDGED, ordered_labels
from claimkit.segment import split_spans
from models.artifact import ARTIFACT, load_model
from models.cues import Attribution, Cue

__all__ = ["ArticleTags", "Cue", "SentencePrediction", "Summary", "Tagger", "is_hedged_label"]


def is_hedged_label(label: str) -> bool:
    """Hedged labels of the four-label scheme; ``"hedged"`` for a binary scheme."""
    return label in HEDGED or label.lower() == "hedged"


def _attribution(pipeline: Any, max_cues: int) -> Attribution:
    # Names and function words take many of a sentence's largest contributions; looking at 20
    # leaves room for the stance words behind them.
    return Attribution(pipeline, max_cues=max_cues, max_features=max(20, max_cues + 3))


class SentencePrediction(NamedTuple):
    """One sentence: where it is, its label, all label probabilities and its cues.

    A named tuple (immutable, compares by value): a batch of thousands of them costs the
    garbage collector nothing, unlike a class instance.
    """

    text: str
    start: int
    end: int
    label: str
    probabilities: dict[str, float]
    hedged: bool
    cues: tuple[Cue, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            **self._asdict(),  # field order is the JSON key order
            "probabilities": {k: round(v, 6) for k, v in self.probabilities.items()},
            "cues": [c.to_dict() for c in self.cues],
        }


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts and shares of each label, and the hedging ratio (hedged / sentences; 0 if none)."""

    n_sentences: int
    counts: dict[str, int]
    shares: dict[str, float]
    n_hedged: int
    hedging_ratio: float

    @classmethod
    def of(cls, labels: Sequence[str], sentences: Sequence[SentencePrediction]) -> Summary:
        counts = dict.fromkeys(labels, 0)
        for s in sentences:
            counts[s.label] = counts.get(s.label, 0) + 1
        n = len(sentences)
        hedged = sum(1 for s in sentences if s.hedged)
        shares = {k: (v / n if n else 0.0) for k, v in counts.items()}
        return cls(n, counts, shares, hedged, hedged / n if n else 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_sentences": self.n_sentences,
            "counts": dict(self.counts),
            "shares": {k: round(v, 6) for k, v in self.shares.items()},
            "n_hedged": self.n_hedged,
            "hedging_ratio": round(self.hedging_ratio, 6),
        }


@dataclass(frozen=True, slots=True)
class ArticleTags:
    """One article: its tagged sentences in order (offsets into ``text``) and a summary."""

    sentences: list[SentencePrediction]
    summary: Summary
    text: str = ""
    article_id: str = ""
    title: str = ""
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "article_id": self.article_id,
            "title": self.title,
            "source": self.source,
            "text": self.text,
            "summary": self.summary.to_dict(),
            "sentences": [s.to_dict() for s in self.sentences],
        }


# A unit of work for tag_many: (text, article_id, title, source).
_Article = tuple[str, str, str, str]


def _as_article(item: Any, position: int) -> _Article:
    """Accept a str, a mapping with "text", or an object with ``.text`` (e.g. readers.Article)."""
    if isinstance(item, str):
        return item, str(position), "", ""
    if isinstance(item, dict):
        get = item.get
    else:

        def get(key: str, default: Any = None) -> Any:
            return getattr(item, key, default)

    text = get("text")
    if not isinstance(text, str):
        raise InputError(
            f"article #{position}: expected a str, a mapping with 'text' or an object with .text, "
            f"got {type(item).__name__}"
        )
    ident = get("article_id") or get("id") or str(position)
    return text, str(ident), str(get("title") or ""), str(get("source") or "")


class Tagger:
    """A loaded model: ``predict`` sentences, ``tag`` an article, ``tag_many`` a corpus."""

    def __init__(
        self,
        pipeline: Any,
        *,
        name: str = "unsaved",
        sha256: str = "",
        manifest: dict[str, Any] | None = None,
        path: Path | None = None,
        max_cues: int = 3,
        batch_size: int = 4096,
        confirmed_cues: bool = False,
    ) -> None:
        self.pipeline = pipeline
        self.name = name
        self.sha256 = sha256
        self.manifest = manifest or {}
        self.path = path
        self.batch_size = batch_size
        self.max_cues = max_cues
        self.confirmed_cues = confirmed_cues
        self._features = pipeline[:-1]
        self._clf = pipeline[-1]
        self.labels: tuple[str, ...] = tuple(str(c) for c in self._clf.classes_)
        self._hedged = [is_hedged_label(label) for label in self.labels]
        # Summaries list labels in the guideline's order (opinion ... confirmed), not classes_'.
        self._summary_labels = ordered_labels(self.labels)
        self._attribution = _attribution(pipeline, max_cues)

    # --------------------------------------------------------------------- identity
    @property
    def model_version(self) -> str:
        """Name plus short hash, e.g. ``"claimkit-default-1a2b3c4d5e6f"`` (Label Studio's model_version)."""
        return f"{self.name}-{self.sha256[:12]}" if self.sha256 else self.name

    def __repr__(self) -> str:
        return f"Tagger({self.model_version!r}, labels={list(self.labels)})"

    # --------------------------------------------------------------------- sentences
    def predict(self, sentences: Sequence[str], *, cues: bool = True) -> list[SentencePrediction]:
        """Label already-split sentences; cue offsets are within each sentence.

        ``cues=False`` skips the cue attribution (every ``cues`` is empty) for callers that only
        need labels and probabilities, e.g. Label Studio pre-annotations.
        """
        if isinstance(sentences, str):
            raise InputError(
                "Tagger.predict takes a list of sentences; use Tagger.tag for one text"
            )
        out: list[SentencePrediction] = []
        for i in range(0, len(sentences), self.batch_size):
            batch = list(sentences[i : i + self.batch_size])
            out.extend(self._predict_batch(batch, [0] * len(batch), cues=cues))
        return out

    def _predict_batch(
        self, texts: list[str], offsets: Sequence[int], *, cues: bool = True
    ) -> list[SentencePrediction]:
        """Predict ``texts``; shift start/end and cue offsets by ``offsets`` (article positions)."""
        if not texts:
            return []
        X, located = self._attribution.transform(texts)
        proba = self._clf.predict_proba(X)
        predicted = proba.argmax(axis=1)
        labels, hedged = self.labels, self._hedged
        new = tuple.__new__  # skips the NamedTuple's Python-level __new__ for 1000s of rows
        found_in = self._cue_finder(texts, X, predicted, located) if cues else None
        return [
            new(
                SentencePrediction,
                (
                    text,
                    off,
                    off + len(text),
                    labels[k],
                    dict(zip(labels, p, strict=True)),
                    hedged[k],
                    found_in(i, text, k, off) if found_in is not None else (),
                ),
            )
            for i, (text, off, k, p) in enumerate(
                zip(texts, offsets, predicted.tolist(), proba.tolist(), strict=True)
            )
        ]

    def _cue_finder(
        self, texts: list[str], X: Any, predicted: Any, located: Sequence[Any]
    ) -> Callable[[int, str, int, int], tuple[Cue, ...]]:
        """Cues of sentence i (label index k, article offset off) from the batch's contributions."""
        # a confirmed sentence has no stance to show; labels of another scheme always show cues
        shown = [label != "confirmed" or self.confirmed_cues for label in self.labels]
        needed = np.asarray(shown)[predicted] & self._attribution.may_have_stance(
            located, len(texts)
        )
        indptr, feats, weights = self._attribution.top_contributions(X, predicted, needed)
        cues_of = self._attribution.cues
        # Per sentence, each member's feature locations (None: computed on demand).
        per_sentence = list(
            zip(*[loc if loc is not None else [None] * len(texts) for loc in located], strict=True)
        )

        def found(i: int, text: str, k: int, off: int) -> tuple[Cue, ...]:
            if not shown[k]:
                return ()
            a, b = indptr[i], indptr[i + 1]
            cues = cues_of(text, feats[a:b], weights[a:b], per_sentence[i], label=self.labels[k])
            return tuple([c.shifted(off) for c in cues]) if off else cues

        return found

    # --------------------------------------------------------------------- articles
    def tag(self, text: str, *, clean: bool = True) -> ArticleTags:
        """Split ``text`` into sentences and tag them; all offsets index ``text``.

        ``clean``: skip web-page debris (navigation, captions, "Source link", ...) the way
        ``claimkit ingest`` does, so the model sees the kind of sentences it was trained on.
        """
        if not isinstance(text, str):
            raise InputError(f"Tagger.tag takes a str, got {type(text).__name__}")
        return self._tag_articles([(text, "", "", "")], clean)[0]

    def _tag_articles(self, articles: Sequence[_Article], clean: bool = True) -> list[ArticleTags]:
        texts: list[str] = []
        offsets: list[int] = []
        sizes: list[int] = []
        for text, *_ in articles:
            spans = split_spans(text, content_regions(text) if clean else None)
            sizes.append(len(spans))
            # each sentence knows its neighbours (the model's context features)
            texts.extend(in_order([text[s:e] for s, e in spans]))
            offsets.extend(s for s, _ in spans)
        preds: list[SentencePrediction] = []
        for i in range(0, len(texts), self.batch_size):
            j = i + self.batch_size
            preds.extend(self._predict_batch(texts[i:j], offsets[i:j]))
        out = []
        at = 0
        for (text, ident, title, source), n in zip(articles, sizes, strict=True):
            sentences = preds[at : at + n]
            at += n
            out.append(
                ArticleTags(
                    sentences,
                    Summary.of(self._summary_labels, sentences),
                    text,
                    ident,
                    title,
                    source,
                )
            )
        return out

    def tag_many(
        self,
        articles: Iterable[Any],
        n_jobs: int | None = 1,
        *,
        scheduler: str | None = None,
        chunk_size: int = 64,
        clean: bool = True,
    ) -> Iterator[ArticleTags]:
        """Tag many articles lazily, in input order, ``chunk_size`` articles per task.

        ``articles``: str, mappings with ``"text"`` or objects with ``.text`` (``id``/``title``/
        ``source`` are carried along). Memory stays bounded: a window of a few tasks per worker
        is read from ``articles``, processed and yielded before the next is read.
        ``n_jobs`` works as in joblib (``-1``: all cores). ``scheduler="tcp://host:8786"`` runs
        the tasks on that dask.distributed cluster through joblib's Dask backend (needs the
        ``dask`` extra: ``pip install 'claimkit[dask]'``). ``clean`` as in :meth:`tag`.
        """
        if chunk_size < 1:
            raise InputError(f"chunk_size must be >= 1, got {chunk_size}")
        numbered = (_as_article(a, i) for i, a in enumerate(articles))
        chunks = _chunked(numbered, chunk_size)
        if scheduler:
            yield from self._tag_many_dask(chunks, n_jobs, scheduler, clean)
            return
        import joblib

        workers = joblib.effective_n_jobs(n_jobs)
        if workers == 1:
            for chunk in chunks:
                yield from self._tag_articles(chunk, clean)
            return
        # One joblib call for the whole run, results as a generator in input order: two tasks
        # (of chunk_size articles: batch_size=1) per worker in flight, no worker waiting for a
        # slower one's window to end, and only a few tasks' articles read ahead. joblib's own pool (and parallel_config) is used, so
        # scikit-learn's n_jobs keeps working after this. A model saved in a folder is loaded
        # once per worker from there (and verified), not sent with every task: pickling the
        # tagger cost more than tagging a task's articles.
        folder = self._folder_ref()
        tasks = (
            joblib.delayed(_tag_chunk_from_folder)(folder, c, clean)
            if folder is not None
            else joblib.delayed(_tag_chunk)(self, c, clean)
            for c in chunks
        )
        parallel = joblib.Parallel(
            n_jobs=n_jobs, return_as="generator", pre_dispatch="2*n_jobs", batch_size=1
        )
        results = parallel(tasks)
        try:
            for result in results:
                yield from result
        finally:
            with warnings.catch_warnings():  # the caller stopped early: cancelling is expected
                warnings.filterwarnings("ignore", message=".*still being processed.*")
                results.close()

    def _folder_ref(self) -> tuple[str, str, dict[str, Any]] | None:
        """(folder, sha256, options) to load this tagger from in a worker, if it came from one."""
        if self.path is None or not self.sha256 or not (Path(self.path) / ARTIFACT).is_file():
            return None
        options = {
            "max_cues": self.max_cues,
            "batch_size": self.batch_size,
            "confirmed_cues": self.confirmed_cues,
        }
        return str(self.path), self.sha256, options

    def _tag_many_dask(
        self, chunks: Iterator[list[_Article]], n_jobs: int | None, scheduler: str, clean: bool
    ) -> Iterator[ArticleTags]:
        try:
            import joblib
            from dask.distributed import Client
        except ImportError as exc:
            raise ClaimkitError(
                "--scheduler needs the dask extra: pip install 'claimkit[dask]'"
            ) from exc
        try:
            client = Client(scheduler, timeout=os.environ.get("CLAIMKIT_DASK_TIMEOUT", "10s"))
        except (OSError, TimeoutError) as exc:
            raise ClaimkitError(
                f"cannot reach the dask scheduler at {scheduler!r} ({exc}); "
                "check the address (e.g. tcp://host:8786) and that the scheduler is running"
            ) from exc
        with client:
            workers = max(1, len(client.scheduler_info().get("workers", {})))
            jobs = n_jobs if n_jobs not in (None, 1) else -1
            for window in _chunked(chunks, 4 * workers):
                # The config is only active around the blocking call, never across a yield, so
                # the caller's own joblib work between items is not sent to the cluster.
                # scatter: the model goes to the workers once per window, not once per task.
                with joblib.parallel_config(backend="dask", scatter=[self]):
                    results = joblib.Parallel(n_jobs=jobs)(
                        joblib.delayed(_tag_chunk)(self, c, clean) for c in window
                    )
                for result in results:
                    yield from result

    # Pickled for joblib workers: the explainer's caches are rebuilt on the other side.
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_attribution", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._attribution = _attribution(self.pipeline, self.max_cues)


def _tag_chunk(tagger: Tagger, chunk: list[_Article], clean: bool) -> list[ArticleTags]:
    return tagger._tag_articles(chunk, clean)


# A worker process's taggers, by (folder, sha256, options): each is loaded once per worker.
_WORKER_TAGGERS: dict[tuple[str, str, str], Tagger] = {}


def _tag_chunk_from_folder(
    ref: tuple[str, str, dict[str, Any]], chunk: list[_Article], clean: bool
) -> list[ArticleTags]:
    folder, sha256, options = ref
    key = (folder, sha256, repr(sorted(options.items())))
    tagger = _WORKER_TAGGERS.get(key)
    if tagger is None:
        tagger = from_loaded(load_model(folder), **options)
        if tagger.sha256 != sha256:
            raise ClaimkitError(f"{folder}: the model changed while tagging; run again")
        _WORKER_TAGGERS[key] = tagger
    return tagger._tag_articles(chunk, clean)


def _chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def from_loaded(loaded: Any, **kwargs: Any) -> Tagger:
    name = str(loaded.manifest.get("name") or Path(loaded.path).name)
    return Tagger(
        loaded.pipeline,
        name=name,
        sha256=loaded.sha256,
        manifest=loaded.manifest,
        path=loaded.path,
        **kwargs,
    )

"""Random against word2vec: the same configuration and seed, trained side by side.

``compare(spec)`` trains one model per variant of the embedding's start —
random numbers (trained), word2vec fine-tuned, word2vec frozen — with every
other setting and the seed equal, on one prepared split. It keeps each model's
embedding *before* training next to the trained one, so that nearest neighbours
and a 2-D map can show what training did to the words; optionally it repeats
the training on smaller labelled sets (a learning curve) to show where the
pretrained vectors help most.

    spec = CompareSpec(ExperimentConfig(), target=0.85, sizes=(500, 1000, 2000, 4000))
    result = compare(spec)
    result.table()                      # test metrics, best val accuracy, epochs to the target
    result.neighbours("great")          # {variant: {"before": [...], "after": [...]}}
    result.word_maps(DEFAULT_MAP_WORDS)  # {variant: WordMap}, PCA; method="tsne" on demand

In the app a :class:`ComparisonTask` is the background job's runner
(``lstm_core.jobs``): it trains the variants one after the other and records
each one's curves so a page can overlay them live. No Streamlit here.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .baseline import tfidf_baseline
from .config import ExperimentConfig
from .embeddings import check_vector_file, nearest, word2vec_matrix
from .errors import DataError
from .i18n import DEFAULT, text
from .pipeline import prepare, train_run
from .sampling import stratified_cut
from .theory_jobs import CurveRecorder, RecordedTask
from .training import NullListener, best_val_accuracy, seed_everything
from .vocabulary import Vocabulary
from .wordspace import WordMap, project, row_words, vocabulary_word, word_polarity

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    init: str  # ModelConfig.embedding_init
    trainable: bool  # ModelConfig.embedding_trainable


# A frozen random embedding learns nothing, so random is always trained.
VARIANTS: dict[str, Variant] = {v.key: v for v in (
    Variant("random", "random, trained", "random", True),
    Variant("word2vec", "word2vec, fine-tuned", "word2vec", True),
    Variant("word2vec_frozen", "word2vec, frozen", "word2vec", False),
)}


def variant_label(key: str, lang: str = DEFAULT) -> str:
    """A variant's name for a reader of ``lang`` ("random, trained"; its ``label`` is the English one)."""
    return text(lang, f"embeddings.variant.{key}")


# Training-set sizes of the learning curve; 4,000 is the bundled split's whole training part.
LEARNING_CURVE_SIZES = (500, 1_000, 2_000, 4_000)


@dataclass(frozen=True)
class CompareSpec:
    """What to compare: ``config`` (everything but the embedding's start), the variants, the target
    validation accuracy for "epochs to target", and the learning curve's sizes (empty: none)."""

    config: ExperimentConfig
    variants: tuple[str, ...] = ("random", "word2vec", "word2vec_frozen")
    # The classroom default reaches 85% validation accuracy after one epoch from word2vec; a
    # random start needs two or more (bench/results.md, "Embeddings").
    target: float = 0.85
    sizes: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.config, ExperimentConfig):
            raise ValueError(f"config must be an ExperimentConfig, got {type(self.config).__name__}")
        variants = tuple(self.variants)
        if not variants or len(set(variants)) != len(variants) or not set(variants) <= set(VARIANTS):
            raise ValueError(f"compare.variants must be distinct names among {', '.join(VARIANTS)}, "
                             f"got {self.variants!r}")
        if (not isinstance(self.target, (int, float)) or isinstance(self.target, bool)
                or not 0.0 < self.target <= 1.0):
            raise ValueError(f"compare.target must be a number in (0, 1], got {self.target!r}")
        sizes = tuple(self.sizes)
        if not all(isinstance(s, int) and not isinstance(s, bool) and s >= 2 for s in sizes) \
                or len(set(sizes)) != len(sizes):
            raise ValueError(f"compare.sizes must be distinct integers >= 2, got {self.sizes!r}")
        object.__setattr__(self, "variants", variants)
        object.__setattr__(self, "sizes", tuple(sorted(sizes)))

    def config_for(self, key: str) -> ExperimentConfig:
        v = VARIANTS[key]
        return self.config.replace(model={"embedding_init": v.init, "embedding_trainable": v.trainable})


def epochs_to_target(val_accuracy: Sequence[float], target: float) -> int | None:
    """The first epoch (1-based) whose validation accuracy reaches ``target``; None if none does."""
    for epoch, value in enumerate(val_accuracy, 1):
        if value == value and value >= target:  # NaN never counts
            return epoch
    return None


def subsample(labels: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Sorted indices of ``size`` rows, stratified by label and seeded; all rows if there are fewer."""
    labels = np.asarray(labels)
    if size >= len(labels):
        return np.arange(len(labels))
    picked, _ = stratified_cut(labels, lambda n: max(1, int(round(size * n / len(labels)))),
                               np.random.default_rng(seed))
    return np.sort(picked)[:size]


@dataclass
class VariantResult:
    key: str
    label: str
    run: Any  # lstm_core.runs.Run
    initial: np.ndarray  # (V, E) the embedding before training
    epochs_to_target: int | None

    @functools.cached_property
    def final(self) -> np.ndarray:
        """(V, E) the embedding after training (the initial one, when frozen)."""
        return self.run.model.get_layer("embedding").get_weights()[0]


@dataclass(frozen=True)
class CurvePoint:
    """One training of the learning curve: a variant on ``size`` labelled reviews."""

    variant: str
    size: int
    test_accuracy: float
    best_val_accuracy: float
    epochs_run: int
    epochs_to_target: int | None
    seconds: float


@dataclass
class Comparison:
    spec: CompareSpec
    vocab: Vocabulary
    results: dict[str, VariantResult]  # in the spec's order; fewer when stopped
    baseline_accuracy: float | None = None  # TF-IDF + LR on the same split
    coverage: dict[str, Any] | None = None  # of the word vectors over the vocabulary
    curve: list[CurvePoint] = field(default_factory=list)
    curve_baseline: dict[int, float] = field(default_factory=dict)  # TF-IDF + LR per training size
    polarity: np.ndarray | None = None  # (V,) share of each row's training occurrences in positive reviews
    stopped: bool = False

    def table(self) -> list[dict[str, Any]]:
        """One row per variant: test metrics, best validation accuracy, epochs to the target."""
        rows = []
        for r in self.results.values():
            test, info = r.run.metrics.test, r.run.info
            rows.append({"variant": r.label, "test accuracy": test.accuracy, "precision": test.precision,
                         "recall": test.recall, "F1": test.f1,
                         "best val accuracy": best_val_accuracy(r.run.history),
                         "best epoch": info.best_epoch + 1,
                         f"epochs to {self.spec.target:.0%} val": r.epochs_to_target,
                         "epochs run": info.epochs_run, "seconds": info.seconds})
        return rows

    def summary(self, lang: str = DEFAULT) -> str:
        """One sentence on epochs to the target, for people."""
        parts = []
        for key, r in self.results.items():
            e = r.epochs_to_target
            which = "not_reached" if e is None else "one_epoch" if e == 1 else "epochs"
            parts.append(text(lang, f"embeddings.summary.{which}", variant=variant_label(key, lang), epochs=e))
        return text(lang, "embeddings.summary.sentence", target=self.spec.target,
                    variants=text(lang, "embeddings.summary.separator").join(parts))

    def neighbours(self, word: str, k: int = 8) -> tuple[str, dict[str, dict[str, list[tuple[str, float]]]]]:
        """(the word as the vocabulary has it, {variant: {"before": [(word, cosine)], "after": [...]}})."""

        token = vocabulary_word(word, self.vocab, self.spec.config.preprocess)
        words = row_words(self.vocab)[2:]
        out = {}
        for key, r in self.results.items():
            out[key] = {"before": nearest(words, r.initial[2:], token, k),
                        "after": nearest(words, r.final[2:], token, k)}
        return token, out

    def known_words(self, words: Sequence[str]) -> tuple[list[str], list[str]]:
        """(the vocabulary forms of ``words`` that have a row, without repeats; the others as typed)."""
        known, missing = [], []
        for w in words:
            try:
                token = vocabulary_word(w, self.vocab, self.spec.config.preprocess)
            except DataError:
                if str(w).strip():
                    missing.append(str(w).strip())
                continue
            if token not in known:
                known.append(token)
        return known, missing

    def word_maps(self, words: Sequence[str], method: str = "pca", seed: int | None = None) -> dict[str, WordMap]:
        """{variant: WordMap} of ``words`` (those in the vocabulary), before and after training."""
        known, missing = self.known_words(words)
        seed = self.spec.config.train.seed if seed is None else seed
        rows = np.array([self.vocab.index_[w] for w in known], dtype=np.int64)
        polarity = tuple(float(self.polarity[i]) if self.polarity is not None else 0.5 for i in rows)
        maps = {}
        for key, r in self.results.items():
            before, after = project(r.initial[rows], r.final[rows], method, seed)
            maps[key] = WordMap(tuple(known), before, after, polarity, method, tuple(missing))
        return maps


def initial_random_embedding(cfg: ExperimentConfig, vocab_size: int) -> np.ndarray:
    """(V, E) the embedding Keras starts a random-init model from under ``cfg.train.seed``: the
    model ``train_run`` builds after seeding, so passing it back changes nothing but keeps a copy."""
    from .model import build_model

    seed_everything(cfg.train.seed)
    model = build_model(cfg.model, vocab_size, train_cfg=cfg.train)
    return np.array(model.get_layer("embedding").get_weights()[0])


# ----------------------------------------------------------------------------------- live record


class _StopOnly(NullListener):
    def __init__(self, should_stop: Callable[[], bool]):
        self._should_stop = should_stop

    def should_stop(self) -> bool:
        return self._should_stop()


# ----------------------------------------------------------------------------------- the comparison


def compare(spec: CompareSpec, *, prepared: Any = None, recorder: CurveRecorder | None = None,
            progress: Progress | None = None) -> Comparison | None:
    """Train every variant of ``spec`` (then the learning curve) on one prepared split.

    ``recorder`` receives the curves and is asked whether to stop (between batches); a stop keeps
    what is finished (the variant being trained is tested as it stands) and skips the rest.
    Returns None when stopped before the first variant began.
    """

    cfg = spec.config
    recorder = recorder or CurveRecorder(spec.variants, cfg.train.max_epochs)
    say = progress or (lambda what, fraction: None)
    prepared = prepared or prepare(cfg, progress=progress)
    vocab = prepared.vocab
    matrix = coverage = None
    if any(VARIANTS[k].init == "word2vec" for k in spec.variants):
        say("reading word vectors", 1.0)
        matrix, coverage = word2vec_matrix(spec.config_for("word2vec"), vocab)  # fails early on a bad file
    polarity = word_polarity(prepared.train_tokens, prepared.dataset.train.labels, vocab)
    result = Comparison(spec, vocab, {}, coverage=coverage.to_dict() if coverage else None, polarity=polarity)

    n = len(spec.variants)
    for i, key in enumerate(spec.variants):
        if recorder.should_stop():
            break
        v, vcfg = VARIANTS[key], spec.config_for(key)
        say(f"training '{v.label}' ({i + 1} of {n})", 1.0)
        initial = matrix if v.init == "word2vec" else initial_random_embedding(vcfg, vocab.size)
        recorder.started(key)
        run = train_run(vcfg, recorder.listener(key), prepared=prepared, embedding_matrix=initial,
                        name=v.label, with_baseline=i == 0)
        if coverage is not None and v.init == "word2vec":
            run.info.embedding_coverage = coverage.to_dict()
        if run.metrics.baseline is not None:
            result.baseline_accuracy = run.metrics.baseline.metrics.accuracy
        stopped = run.info.stopped_by_user
        recorder.finished(key, "stopped" if stopped else "done")
        result.results[key] = VariantResult(key, v.label, run, np.array(initial),
                                            epochs_to_target(run.history.get("val_accuracy", []), spec.target))
        if stopped:
            break
    recorder.started(None)
    if not result.results:
        return None
    result.stopped = recorder.should_stop() or len(result.results) < n
    if spec.sizes and not result.stopped:
        _learning_curve(spec, prepared, matrix, result, recorder, say)
    return result


def _learning_curve(spec: CompareSpec, prepared: Any, matrix: np.ndarray | None, result: Comparison,
                    recorder: CurveRecorder, say: Progress) -> None:
    """Train every variant on each smaller labelled set (same validation and test reviews; the
    vocabulary and vectors still come from all training texts, whose labels they never use)."""

    cfg = spec.config
    full = len(prepared.x_train)
    jobs = [(size, key) for size in spec.sizes for key in spec.variants]
    for j, (size, key) in enumerate(jobs):
        if recorder.should_stop():
            result.stopped = True
            return
        v = VARIANTS[key]
        if size >= full:  # the main comparison already trained on all of it
            r = result.results[key]
            _add_point(result, recorder, key, full, r.run, r.epochs_to_target)
            if full not in result.curve_baseline and result.baseline_accuracy is not None:
                result.curve_baseline[full] = result.baseline_accuracy
            continue
        say(f"learning curve: '{v.label}' on {size:,} reviews ({j + 1} of {len(jobs)})", 1.0)
        rows = subsample(prepared.y_train, size, cfg.train.seed)
        small = dataclasses.replace(prepared, x_train=prepared.x_train[rows], y_train=prepared.y_train[rows],
                                    train_rows=prepared.train_rows[rows])
        vcfg = spec.config_for(key)
        initial = matrix if v.init == "word2vec" else initial_random_embedding(vcfg, prepared.vocab.size)
        run = train_run(vcfg, _StopOnly(recorder.should_stop), prepared=small, embedding_matrix=initial,
                        with_baseline=False, name=f"{v.label}, {size} reviews")
        if run.info.stopped_by_user:
            result.stopped = True
            return
        _add_point(result, recorder, key, size, run,
                   epochs_to_target(run.history.get("val_accuracy", []), spec.target))
        if size not in result.curve_baseline:
            tokens = [prepared.train_tokens[i] for i in prepared.train_rows[rows]]
            try:
                base = tfidf_baseline(tokens, prepared.y_train[rows], prepared.test_tokens, prepared.y_test,
                                      seed=cfg.train.seed)
            except ValueError:  # too few reviews for a term to occur twice: no baseline at this size
                continue
            result.curve_baseline[size] = float(base.metrics.accuracy)


def _add_point(result: Comparison, recorder: CurveRecorder, key: str, size: int, run: Any,
               to_target: int | None) -> None:
    point = CurvePoint(key, size, run.metrics.test.accuracy, best_val_accuracy(run.history),
                       run.info.epochs_run, to_target, run.info.seconds or 0.0)
    result.curve.append(point)
    recorder.add(point)


COMPARISON = "comparison"  # its Job's kind


def _compare_work(spec: CompareSpec, recorder: CurveRecorder, progress: Progress) -> Comparison | None:
    return compare(spec, recorder=recorder, progress=progress)


class ComparisonTask(RecordedTask):
    """A background job's runner (``JobManager.submit(..., runner=task)``) that runs ``compare``
    and records the curves; the page keeps the task and reads :meth:`snapshot` while it trains."""

    def __init__(self, spec: CompareSpec):
        super().__init__(functools.partial(_compare_work, spec), spec.variants, spec.config.train.max_epochs)
        self.spec = spec

    def __reduce__(self):  # to a worker process as its spec
        return ComparisonTask, (self.spec,)


def check_vectors(cfg: ExperimentConfig, path: str, prepared: Any = None) -> dict[str, Any]:
    """Read the vector file at ``path`` for ``cfg``'s vocabulary (as a comparison would) and return
    its coverage; a :class:`DataError` says what is wrong (missing, malformed, truncated, the wrong
    dimension)."""

    check_vector_file(path)  # a missing or pickle-based file is refused before the data is prepared
    cfg = cfg.replace(model={"embedding_init": "word2vec", "embedding_path": path})
    prepared = prepared or prepare(cfg)
    _, coverage = word2vec_matrix(cfg, prepared.vocab)
    return coverage.to_dict()

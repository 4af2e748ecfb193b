"""Data → cleaned tokens → ids → trained run: the one call a page or the CLI makes.

``prepare(cfg)`` loads and cleans the data (cached on disk), fits the
vocabulary on the training split only and pads; ``train_run(cfg, listener)``
prepares, builds, trains, evaluates on the test split, fits the TF-IDF
baseline, and returns a ``Run`` whose ``info.cleaning`` records exactly how
its text was cleaned (``lstm_core.encoding`` cleans new text for it the same way).
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .baseline import tfidf_baseline
from .config import ExperimentConfig, ModelConfig, TrainConfig
from .data import Dataset, load_dataset
from .embeddings import word2vec_matrix
from .encoding import TextEncoder
from .errors import DataError
from .evaluation import classification_metrics
from .limits import LIMITS, Limits, check_model_size, check_training
from .notices import Notice
from .corpus_cache import clean_corpus
from .preprocessing import Cleaner, CleaningRecipe
from .runs import BaselineMetrics, Run, RunInfo, RunMetrics
from .sampling import stratified_cut
from .snapshots import SnapshotRecorder
from .training import seed_everything, train
from .vocabulary import PadStats, Vocabulary

Progress = Callable[[str, float], None]  # (what is happening: a Notice, English to print; fraction done 0..1)


@dataclass
class Prepared:
    config: ExperimentConfig
    dataset: Dataset
    vocab: Vocabulary
    train_tokens: list[list[str]]  # cleaned, the whole training split
    test_tokens: list[list[str]]
    x_train: np.ndarray  # (N_train, T) int32, validation rows removed
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    pad_stats: PadStats  # over the whole training split
    warnings: list[str]
    train_rows: np.ndarray  # (N_train,) which review of dataset.train each row of x_train is
    recipe: CleaningRecipe | None = None  # how the texts were cleaned (what a run records)
    _baselines: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def baseline(self, seed: int):
        """TF-IDF + logistic regression fitted on this split's training reviews and scored on its
        test reviews; computed once per seed, since every run on the same data shares it."""

        if seed not in self._baselines:
            self._baselines[seed] = tfidf_baseline(self.train_tokens, self.dataset.train.labels,
                                                   self.test_tokens, self.y_test, seed=seed)
        return self._baselines[seed]


def _stage(progress: Progress | None, what: str, lo: float, hi: float):
    if progress is None:
        return None
    progress(what, lo)
    return lambda done, total: progress(what, lo + (hi - lo) * done / max(total, 1))


def validation_indices(labels: np.ndarray, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified, seeded split of the training rows into (train, validation) indices."""
    rng = np.random.default_rng(seed)
    val_idx, train_idx = stratified_cut(labels, lambda n: max(1, int(round(share * n))) if n > 1 else 0, rng)
    return rng.permutation(train_idx), np.sort(val_idx)


def prepare(cfg: ExperimentConfig, dataset: Dataset | None = None, *, cache_dir=None,
            progress: Progress | None = None) -> Prepared:
    if dataset is None:
        if progress:
            progress(Notice.keyed("jobs.step.loading"), 0.0)
        dataset = load_dataset(cfg.data)
    cleaner = Cleaner(cfg.preprocess)
    train_tokens = clean_corpus(list(dataset.train.texts), cfg.preprocess, cache_dir=cache_dir, cleaner=cleaner,
                                progress=_stage(progress, Notice.keyed("jobs.step.cleaning_train"), 0.05, 0.5))
    test_tokens = clean_corpus(list(dataset.test.texts), cfg.preprocess, cache_dir=cache_dir, cleaner=cleaner,
                               progress=_stage(progress, Notice.keyed("jobs.step.cleaning_test"), 0.5, 0.95))
    vocab = Vocabulary(max_size=cfg.sequence.max_vocab).fit(train_tokens)
    encoder = TextEncoder(cfg.sequence, vocab, cleaner)
    x_all, stats = encoder.encode_tokens(train_tokens)
    x_test, _ = encoder.encode_tokens(test_tokens)
    y_all = np.asarray(dataset.train.labels, dtype=np.int64)
    tr, va = validation_indices(y_all, cfg.train.validation_split, cfg.train.seed)
    if len(tr) == 0 or len(va) == 0:
        raise DataError(f"{len(y_all)} training reviews are too few to hold out a validation share of "
                        f"{cfg.train.validation_split}")
    warnings = list(getattr(dataset.train, "warnings", ())) + list(getattr(dataset.test, "warnings", ()))
    warnings += cleaner.warnings
    if progress:
        progress(Notice.keyed("jobs.step.ready"), 1.0)
    return Prepared(cfg, dataset, vocab, train_tokens, test_tokens, x_all[tr], y_all[tr], x_all[va],
                    y_all[va], x_test, np.asarray(dataset.test.labels, dtype=np.int64), stats, warnings, tr,
                    cleaner.recipe)


def train_run(cfg: ExperimentConfig, listener=None, *, prepared: Prepared | None = None,
              embedding_matrix: np.ndarray | None = None, name: str | None = None,
              with_baseline: bool = True, progress: Progress | None = None, models: Any = None) -> Run:
    """Prepare (unless given), build, train, evaluate: returns a ``Run``. ``models`` (a
    ``lstm_core.model.ModelCache``) lends a network already traced for this shape."""
    from .model import (  # TensorFlow: only when a model is trained
        build_model,
        predict_proba,
    )

    prepared = prepared or prepare(cfg, progress=progress)
    coverage = None
    if embedding_matrix is None and cfg.model.embedding_init == "word2vec":
        if progress:
            progress(Notice.keyed("jobs.step.word_vectors"), 1.0)
        embedding_matrix, coverage = word2vec_matrix(cfg, prepared.vocab)
    seed_everything(cfg.train.seed)
    model = (models.build if models is not None else build_model)(
        cfg.model, prepared.vocab.size, embedding_matrix=embedding_matrix, train_cfg=cfg.train)
    recorder = SnapshotRecorder(cfg.model.embedding_trainable)  # the time-lapse: weights per epoch
    result = train(model, prepared.x_train, prepared.y_train, prepared.x_val, prepared.y_val,
                   cfg.train, listener, callbacks=[recorder.callback()])
    snapshots = recorder.finish(model, result.epochs_run)
    if progress:
        progress(Notice.keyed("jobs.step.testing", n=f"{len(prepared.x_test):,}"), 1.0)
    test = classification_metrics(prepared.y_test, predict_proba(model, prepared.x_test))
    baseline = None
    if with_baseline:
        if progress:
            progress(Notice.keyed("jobs.step.baseline"), 1.0)
        base = prepared.baseline(cfg.train.seed)
        baseline = BaselineMetrics(base.metrics, base.seconds, base.features)
    s = prepared.pad_stats
    info = RunInfo(
        name=name or time.strftime("run-%Y%m%d-%H%M%S"),
        created=time.strftime("%Y-%m-%dT%H:%M:%S"),
        data=prepared.dataset.name,
        seconds=round(result.seconds, 2),
        epochs_run=result.epochs_run,
        best_epoch=result.best_epoch,
        stopped_early=result.stopped_early,
        stopped_by_user=result.stopped_by_user,
        train_size=int(len(prepared.x_train)),
        val_size=int(len(prepared.x_val)),
        test_size=int(len(prepared.x_test)),
        truncated_share=round(s.share_truncated, 4),
        tokens_cut_share=round(s.share_tokens_cut, 4),
        warnings=list(prepared.warnings),
        cleaning=(prepared.recipe or Cleaner(cfg.preprocess).recipe).to_dict(),
        embedding_coverage=coverage.to_dict() if coverage is not None else None,
    )
    return Run(cfg, prepared.vocab, model, result.history, result.batches, RunMetrics(test, baseline), info,
               snapshots=snapshots)



@dataclass(frozen=True)
class DataSummary:
    """What the Data page draws of a prepared split (small enough to cache per setting)."""

    name: str
    counts: dict[str, dict[str, int]]  # split -> class -> reviews
    raw_lengths: list[int]  # words per training review before cleaning
    clean_lengths: list[int]  # tokens per training review after
    vocab: Vocabulary
    coverage: dict[str, dict[str, float]]  # split -> Vocabulary.coverage()
    truncated: float  # share of training reviews longer than max_len
    examples: list[tuple[str, int, str]]  # (id, label, raw text) of the first training reviews
    warnings: list[str]
    sequence: Any  # SequenceConfig: how a review is cut and padded

    def encode_review(self, tokens: list[str]) -> tuple[list[int], list[int]]:
        """One cleaned review → (its ids, the padded row the model reads)."""
        ids = self.vocab.encode(tokens)
        return ids, TextEncoder(self.sequence, self.vocab).encode_tokens([tokens])[0][0].tolist()


def summarise_data(cfg: ExperimentConfig, examples: int = 300) -> DataSummary:
    """Load and clean ``cfg``'s reviews (disk-cached) and keep what the Data page shows."""
    prep = prepare(cfg)
    train, test = prep.dataset.train, prep.dataset.test
    return DataSummary(
        name=prep.dataset.name,
        counts={"train": train.counts(), "test": test.counts()},
        raw_lengths=[len(t.split()) for t in train.texts],
        clean_lengths=[len(t) for t in prep.train_tokens],
        vocab=prep.vocab,
        coverage={"train": prep.vocab.coverage(prep.train_tokens), "test": prep.vocab.coverage(prep.test_tokens)},
        truncated=prep.pad_stats.share_truncated,
        examples=[(train.ids[i], int(train.labels[i]), train.texts[i]) for i in range(min(examples, len(train)))],
        warnings=list(dict.fromkeys(prep.warnings)),
        sequence=cfg.sequence,
    )


class PipelineRunner:
    """The real runner: ``prepare`` (memoised for the latest data settings) then ``train_run``.

    Preparing the bundled data takes about a second and is the same for every
    change of the model or optimiser, so the last result is kept; in a worker process the last
    network is kept too (``in_own_process``), already traced, so the first chart point of a
    training of the same shape waits for neither.
    """

    def __init__(self, limits: Limits = LIMITS) -> None:
        self.limits = limits
        self._prepared_key: str | None = None
        self._prepared: Any = None
        self.models: Any = None  # a ModelCache, in a worker process only

    def in_own_process(self) -> None:
        """Called by a worker process: its runs cross back as folders, so its network may be reused."""
        from .model import ModelCache  # TensorFlow: workers only

        self.models = ModelCache()

    @staticmethod
    def prepared_key(cfg: ExperimentConfig) -> str:
        """What ``prepare`` depends on: the data, cleaning, sequence and validation split."""
        d = cfg.to_dict()
        key = {s: d[s] for s in ("data", "preprocess", "sequence")}
        key["split"] = (cfg.train.validation_split, cfg.train.seed)
        return json.dumps(key, sort_keys=True)

    def warm_up(self, cfg: ExperimentConfig) -> None:
        """Import TensorFlow and prepare ``cfg``'s data, so that a first click with that config pays
        for neither; in a worker process also trace ``cfg``'s network (a training step, a validation
        pass and a prediction on a few reviews), which the first such training then reuses."""
        from .model import build_model, predict_proba  # TensorFlow: the point of warming up

        prepared = self._prepare(cfg)
        if self.models is None:  # TensorFlow's own start-up: a tiny fit
            model = build_model(ModelConfig(embedding_dim=2, units=2, dense_units=2), 8,
                                train_cfg=TrainConfig(max_epochs=1, batch_size=4))
            x = np.ones((8, 4), dtype=np.int32)  # (N, T)
            y = np.arange(8) % 2
            train(model, x, y, x, y, TrainConfig(max_epochs=1, batch_size=4))
            return
        embedding = word2vec_matrix(cfg, prepared.vocab)[0] if cfg.model.embedding_init == "word2vec" else None
        model = self.models.build(cfg.model, prepared.vocab.size, embedding_matrix=embedding, train_cfg=cfg.train)
        few = slice(0, 2 * cfg.train.batch_size)  # two batches: every step function is traced once
        train(model, prepared.x_train[few], prepared.y_train[few], prepared.x_val[few], prepared.y_val[few],
              dataclasses.replace(cfg.train, max_epochs=1))
        predict_proba(model, prepared.x_test[: 2 * 256 + 1])

    def _prepare(self, cfg: ExperimentConfig, progress: Callable[[str, float], None] | None = None) -> Any:
        key = self.prepared_key(cfg)
        if key != self._prepared_key:
            self._prepared = self._prepared_key = None  # free the old data before loading new
            self._prepared = prepare(cfg, progress=progress)
            self._prepared_key = key
        return self._prepared

    def __call__(self, job: Any) -> Any:  # a lstm_core.jobs.Job
        prepared = self._prepare(job.config, job.progress)
        # Checked before queueing from the data's known size; a folder may hold more reviews, and
        # the vocabulary is known only now.
        check_training(job.config, len(prepared.dataset.train), self.limits)
        check_model_size(job.config.model, prepared.vocab.size, self.limits)
        if job.should_stop():
            return None
        return train_run(job.config, job, prepared=prepared, name=job.name, progress=job.progress,
                         models=self.models)

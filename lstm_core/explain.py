"""One text through a trained run, word by word: what the model read, its gates, and P(positive).

``explain(run, text)`` cleans the text exactly as the run's training data was cleaned, looks the
tokens up in the run's vocabulary, cuts a long text to ``sequence.max_len`` tokens at the end
``sequence.keep`` names (as ``pad_sequences`` does in training), embeds the tokens, replays the
recurrent layer with :func:`lstm_core.gates.trace_layer` and applies the classifier head to the
state after every token, so ``p_positive[t]`` is the prediction had the review ended at token t:

    pooling "last":  head(h_t)                        (the model reads the last hidden state)
    pooling "mean":  head(mean(h_1, ..., h_t))        (GlobalAveragePooling1D over the words so far)
    head(s) = softmax(relu(s W_dense + b_dense) W_out + b_out)[1]     (dropout is off at inference)

so ``p_positive[-1]`` is ``run.predict([text])``. Every input word is accounted for in ``words``:
kept, unknown (not in the vocabulary: the model reads the OOV id), dropped by a cleaning stage (named
as :func:`lstm_core.preprocessing.clean_stages` names it) or cut by the length limit.

The text is cleaned with the run's recorded recipe (:func:`lstm_core.encoding.run_cleaner`). When
this machine cannot reproduce it (another WordNet, none at all), one notice says so and every word
it may have changed — each unknown word, each word dropped by a stopword list that differs — is
marked ``unsure`` (``?`` in :meth:`Explanation.labels`) rather than silently read as unknown.

What the gates say — units ordered, saturation, one unit's equations — is computed from an
Explanation by :mod:`lstm_core.gate_analysis`; :meth:`Explanation.to_csv` writes the traces.
:func:`replay` redoes an Explanation with other weights (a snapshot of an earlier epoch,
:mod:`lstm_core.snapshots`) in NumPy only: the same tokens, the gates and P(positive) then.

What it says to a student — each word's ``reason``, the ``notices``, the message of
:class:`NothingToExplain` — is written in ``explain(..., lang=)`` (``assets/i18n/<lang>/explain.toml``).
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from .config import ExperimentConfig, PreprocessConfig
from .errors import LstmLabError
from .gates import ACTIVATIONS, _keras_activation_name, trace_cell, trace_layer
from . import i18n  # as a module: the texts explained here are called text
from .limits import LIMITS
from .preprocessing import Cleaner, CleaningRecipe
from .vocabulary import OOV, OOV_TOKEN, Vocabulary, kept_window

KEPT, UNKNOWN, DROPPED, CUT = "kept", "unknown", "dropped", "cut"
_LETTERS = re.compile(r"[a-zA-Z]+")
_TAG = re.compile(r"<\s*/?\s*([a-zA-Z][a-zA-Z0-9-]*)")


class NothingToExplain(LstmLabError):
    """The text leaves no token for the model: empty, or every word dropped by cleaning.

    ``words`` still says what happened to each input word, so a page can show it. The message is in
    the language ``explain`` was asked for."""

    def __init__(self, message: str, words: tuple["Word", ...] = ()):
        super().__init__(message)
        self.words = words


@dataclass(frozen=True)
class Word:
    """One word of the input and what became of it."""

    text: str  # as in the input after HTML stripping and "n't" → " not" (what cleaning splits)
    status: str  # KEPT, UNKNOWN (read as OOV), DROPPED (by cleaning) or CUT (beyond max_len)
    token: str | None = None  # the cleaned word (None when dropped)
    step: int | None = None  # its time step in the trace (KEPT and UNKNOWN only)
    reason: str = ""  # why it was dropped, unknown or cut, for a student
    stage: str | None = None  # the clean_stages() stage that dropped it
    unsure: bool = False  # training may have cleaned it otherwise (its recipe is not reproducible here)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "status": self.status, "token": self.token, "step": self.step,
                "reason": self.reason, "unsure": self.unsure}


@dataclass(frozen=True, eq=False)
class Explanation:
    """What ``explain`` found; arrays are per time step t = 0 .. T-1 (the tokens the model read)."""

    words: tuple[Word, ...]
    tokens: tuple[str, ...]  # (T,) cleaned words; unknown ones as cleaned, see ``known``
    ids: np.ndarray  # (T,) vocabulary ids (OOV = 1)
    known: np.ndarray  # (T,) bool, False where the word is not in the vocabulary
    x: np.ndarray  # (T, embedding_dim) the embedded tokens the recurrent layer read
    trace: Any  # LSTMTrace | GRUTrace | RNNTrace from lstm_core.gates
    p_positive: np.ndarray  # (T,) P(positive) had the review ended at token t
    cell: str  # "lstm", "gru" or "rnn"
    pooling: str  # "last" or "mean"
    weights: "CellWeights"
    max_len: int
    keep: str
    n_tokens: int  # tokens after cleaning, before the length cut
    notices: tuple[str, ...] = ()
    text_chars: int = 0
    unsure: np.ndarray | None = None  # (T,) bool, True where training may have read another token
    head: "HeadWeights | None" = None  # the classifier head P(positive) was computed with

    def __post_init__(self) -> None:
        if self.unsure is None:
            object.__setattr__(self, "unsure", np.zeros(len(self.tokens), dtype=bool))

    @property
    def units(self) -> int:
        return int(self.trace.h.shape[1])

    @property
    def prediction(self) -> float:
        return float(self.p_positive[-1])

    @property
    def flips(self) -> tuple[int, ...]:
        """Steps where the prediction crosses 0.5 compared with the step before."""
        pos = self.p_positive >= 0.5
        return tuple(int(t) for t in np.flatnonzero(pos[1:] != pos[:-1]) + 1)

    def labels(self) -> list[str]:
        """Tokens for axes: unknown words marked with a trailing ``*``, those unknown perhaps only
        because this machine cannot clean as training did with ``?``."""
        return [t if k else f"{t}?" if u else f"{t}*" for t, k, u in zip(self.tokens, self.known, self.unsure)]

    def arrays(self) -> dict[str, np.ndarray]:
        """Every traced (T, units) array by name, gates first, then states (c, h)."""
        return self.trace.gates()

    def to_dict(self, digits: int = 6) -> dict[str, Any]:
        """JSON-ready: floats rounded to ``digits``, NaN (no gate at that step) as null."""

        def num(a: np.ndarray) -> Any:
            return np.where(np.isnan(a), None, np.round(a, digits)).tolist()

        return {
            "prediction": round(self.prediction, digits),
            "label": "positive" if self.prediction >= 0.5 else "negative",
            "cell": self.cell, "pooling": self.pooling, "units": self.units,
            "max_len": self.max_len, "keep": self.keep, "text_chars": self.text_chars,
            "tokens_after_cleaning": self.n_tokens, "notices": list(self.notices),
            "words": [w.to_dict() for w in self.words],
            "tokens": list(self.tokens), "ids": self.ids.tolist(), "known": self.known.tolist(),
            "unsure": self.unsure.tolist(),
            "p_positive": num(self.p_positive), "flips": list(self.flips),
            "trace": {name: num(a) for name, a in self.arrays().items()},
        }

    def to_csv(self) -> str:
        """One row per (step, unit): token, known, P(positive) after it, then every gate and state."""
        arrays = self.arrays()
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["step", "token", "known", "p_positive", "unit", *arrays])
        columns = list(arrays.values())
        for t, (token, known, p) in enumerate(zip(self.tokens, self.known, self.p_positive)):
            for u in range(self.units):
                writer.writerow([t, token, int(known), f"{p:.6f}", u,
                                 *("" if np.isnan(a[t, u]) else f"{a[t, u]:.6f}" for a in columns)])
        return out.getvalue()


@dataclass(frozen=True, eq=False)
class CellWeights:
    """The recurrent layer's weights and activations, as :mod:`lstm_core.gates` reads them."""

    kernel: np.ndarray  # (E, n_blocks*units)
    recurrent_kernel: np.ndarray  # (units, n_blocks*units)
    bias: np.ndarray | None  # (n_blocks*units,), or (2, 3*units) for a GRU with reset_after
    activation: str
    recurrent_activation: str | None  # None for SimpleRNN
    reset_after: bool = True


@dataclass(frozen=True, eq=False)
class HeadWeights:
    """The classifier head: dense (activation) → (dropout: off at inference) → two-class softmax."""

    dense_kernel: np.ndarray  # (units, dense_units)
    dense_bias: np.ndarray | None  # (dense_units,)
    activation: str  # the dense layer's, a lstm_core.gates.ACTIVATIONS name
    output_kernel: np.ndarray  # (dense_units, 2)
    output_bias: np.ndarray | None  # (2,)

    def p_positive(self, states: np.ndarray) -> np.ndarray:
        """P(positive) for every row of ``states`` (T, units) → (T,)."""
        a = ACTIVATIONS[self.activation](states @ self.dense_kernel + (0.0 if self.dense_bias is None
                                                                         else self.dense_bias))  # (T, dense)
        z = a @ self.output_kernel + (0.0 if self.output_bias is None else self.output_bias)  # (T, 2)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        p = e[:, 1] / e.sum(axis=1)  # (T,)
        p.setflags(write=False)
        return p


def pooled(h: np.ndarray, pooling: str) -> np.ndarray:
    """The state the head reads after every token (T, units): h_t, or the mean of h_1 .. h_t."""
    return h if pooling == "last" else np.cumsum(h, axis=0) / np.arange(1, len(h) + 1)[:, None]


# ------------------------------------------------------------------------------------ cleaning


def _t(lang: str, key: str, /, **fields: Any) -> str:
    return i18n.text(lang, f"explain.{key}", **fields)


def _in_lang(message: Any, lang: str) -> str:
    """A cleaner's problem or warning in ``lang`` when it carries a catalogue key (its text otherwise)."""
    key = getattr(message, "key", None)
    return i18n.text(lang, key, **message.fields) if key else str(message)


@functools.lru_cache(maxsize=8)
def _cleaner(cfg: PreprocessConfig, recipe: CleaningRecipe | None) -> Cleaner:
    return Cleaner(cfg, recipe)


def _account(text: str, cleaner: Cleaner, lang: str) -> list[Word]:
    """Every input word with the token it became or the stage that dropped it, in order.

    Walks the text as ``Cleaner.clean`` does (text steps, then letters-only words, then per word:
    length, lowercase + lemma, stopword), so the kept tokens are exactly ``cleaner.clean(text)``;
    chunks without a letter are the "letters only" stage's removals, as in ``clean_stages``."""
    cfg = cleaner.cfg
    if cfg.strip_html:
        text = cleaner.strip_html(text)
    if cfg.keep_negations:
        text = cleaner.spell_out_negations(text)
    words: list[Word] = []
    memo: dict[str, Word] = {}
    for chunk in text.split():
        if not cfg.letters_only:
            pieces = [chunk]
        else:
            pieces = _LETTERS.findall(chunk)
            if not pieces:
                words.append(Word(chunk, DROPPED, reason=_t(lang, "reason.no_letters"), stage="letters only"))
                continue
        for piece in pieces:
            word = memo.get(piece)
            if word is None:
                word = memo[piece] = _one_word(piece, cleaner, lang)
            words.append(word)
    return words


def _one_word(piece: str, cleaner: Cleaner, lang: str) -> Word:
    if not cleaner.long_enough(piece):
        return Word(piece, DROPPED, reason=_t(lang, "reason.short", n=cleaner.cfg.min_word_len),
                    stage="short words dropped")
    token = cleaner.normalise(piece)
    if cleaner.is_stopword(token):
        unsure = "stopwords" in cleaner.unreproduced  # this machine's list is not training's
        key = "reason.stopword" + ("_as" if token != piece else "") + ("_other" if unsure else "")
        return Word(piece, DROPPED, reason=_t(lang, key, token=token), stage="stopwords dropped", unsure=unsure)
    return Word(piece, KEPT, token=token)


def _notice_list(items: list[str], lang: str, most: int = 5) -> str:
    """'a', 'b', 'c' and 12 more: a list inside a sentence."""
    shown = _t(lang, "word_gap").join(_t(lang, "word", word=w) for w in items[:most])
    return _t(lang, "more", words=shown, n=len(items) - most) if len(items) > most else shown


def _dropped_as(word: Word) -> str:
    """The part of nothing.dropped_all that lists ``word``: the catalogue key of why it was dropped."""
    if word.stage == "letters only":
        return "dropped.no_letters"
    if word.stage == "short words dropped":
        return "dropped.short"
    return "dropped.stopword_other" if word.unsure else "dropped.stopword"


def _nothing_left(words: list[Word], cleaner: Cleaner, lang: str) -> str:
    if not words:
        return _t(lang, "nothing.empty_html")
    by_reason: dict[str, list[str]] = {}
    for w in words:
        if w.status == DROPPED:
            by_reason.setdefault(_dropped_as(w), []).append(w.text)
    why = _t(lang, "dropped.gap").join(
        _t(lang, key, n=cleaner.cfg.min_word_len, words=_notice_list(list(dict.fromkeys(ws)), lang))
        for key, ws in by_reason.items())
    return _t(lang, "nothing.dropped_all", why=why, good="good", boring="boring")


# ------------------------------------------------------------------------------------ model


def _layer_names(model: Any) -> set[str]:
    return {layer.name for layer in model.layers}


def _dense_numpy(layer: Any) -> tuple[np.ndarray, np.ndarray | None]:
    kernel = layer.kernel.numpy().astype(np.float64)
    bias = layer.bias.numpy().astype(np.float64) if layer.use_bias else None
    return kernel, bias


def _head(model: Any) -> HeadWeights:
    """The model's head in NumPy: dense → (dropout: off) → output softmax."""
    import keras  # TensorFlow is imported lazily, here and below: only once a model is explained

    dense, output = model.get_layer("dense"), model.get_layer("output")
    w, b = _dense_numpy(dense)
    w_out, b_out = _dense_numpy(output)
    if output.activation is not keras.activations.softmax or w_out.shape[1] != 2:
        raise ValueError("explain needs a two-class softmax output layer named 'output' "
                         "(a model built by lstm_core.model.build_model)")
    return HeadWeights(w, b, _keras_activation_name(dense.activation, "activation", dense), w_out, b_out)


def _cell_weights(layer: Any) -> CellWeights:
    import keras

    cell = layer.cell
    bias = cell.bias.numpy().astype(np.float64) if cell.use_bias else None
    rec = (None if isinstance(cell, keras.layers.SimpleRNNCell)
           else _keras_activation_name(cell.recurrent_activation, "recurrent_activation", layer))
    return CellWeights(cell.kernel.numpy().astype(np.float64), cell.recurrent_kernel.numpy().astype(np.float64),
                       bias, _keras_activation_name(cell.activation, "activation", layer), rec,
                       bool(getattr(cell, "reset_after", True)))


# ------------------------------------------------------------------------------------ explain


def explain(run: Any, text: str, *, vocab: Vocabulary | None = None,
            config: ExperimentConfig | None = None, recipe: CleaningRecipe | None = None,
            lang: str = "en") -> Explanation:
    """``text`` through ``run`` (a :class:`lstm_core.runs.Run`, cleaned with its recorded recipe),
    or through a Keras model given as ``run`` with its ``vocab`` (and ``config``, default
    ``ExperimentConfig()``, for cleaning and length, and the ``recipe`` its training text was
    cleaned with, default this machine's). Raises :class:`NothingToExplain` when no token is left
    and ``LstmLabError`` for a text that is not a string or too long to clean (``RunError`` for a
    run whose recorded recipe is not valid). Reasons, notices and the NothingToExplain message are
    written in ``lang``."""
    model = getattr(run, "model", run)
    vocab = getattr(run, "vocab", vocab)
    config = getattr(run, "config", config) or ExperimentConfig()
    if hasattr(run, "info"):
        recipe = CleaningRecipe.of_run(config.preprocess, run.info)
    if vocab is None:
        raise ValueError("explain needs the run's vocabulary: pass a Run, or a model and vocab=")
    missing = {"embedding", "rnn", "dense", "output"} - _layer_names(model)
    if missing:
        raise ValueError(f"explain needs a model built by lstm_core.model.build_model; this one has no "
                         f"layer named {', '.join(sorted(missing))}")
    if not isinstance(text, str):
        raise LstmLabError.keyed("explain.error.not_text", kind=type(text).__name__)
    if len(text) > LIMITS.text_chars:
        raise LstmLabError.keyed("explain.error.too_long", chars=len(text), most=LIMITS.text_chars,
                                 max_len=config.sequence.max_len)
    if not text.strip():
        raise NothingToExplain(_t(lang, "nothing.empty"))

    cleaner = _cleaner(config.preprocess, recipe)
    words = _account(text, cleaner, lang)
    kept_at = [i for i, w in enumerate(words) if w.status == KEPT]
    if not kept_at:
        raise NothingToExplain(_nothing_left(words, cleaner, lang), tuple(words))

    seq = config.sequence
    n_tokens = len(kept_at)
    read = kept_at[kept_window(n_tokens, seq.max_len, seq.keep)]  # as training's padding cuts
    read_set = set(read)
    index = vocab.index_
    for i in kept_at:
        w = words[i]
        if i not in read_set:
            words[i] = Word(w.text, CUT, w.token, reason=_t(lang, f"reason.cut_{seq.keep}", max_len=seq.max_len))
    tokens = tuple(words[i].token for i in read)
    ids = np.array([index.get(t, OOV) for t in tokens], dtype=np.int64)  # (T,)
    for step, i in enumerate(read):
        w = words[i]
        if ids[step] == OOV and not cleaner.exact:
            words[i] = Word(w.text, UNKNOWN, w.token, step, unsure=True,
                            reason=_t(lang, "reason.unknown_unsure", token=w.token, words=len(vocab.words_),
                                      oov=OOV_TOKEN))
        elif ids[step] == OOV:
            words[i] = Word(w.text, UNKNOWN, w.token, step,
                            reason=_t(lang, "reason.unknown", token=w.token, words=len(vocab.words_), oov=OOV_TOKEN))
        else:
            words[i] = Word(w.text, KEPT, w.token, step)

    import keras

    embedding = model.get_layer("embedding").embeddings  # (vocab, E): gather the T rows, not a 10 MB copy
    x = np.asarray(keras.ops.convert_to_numpy(keras.ops.take(embedding, ids, axis=0)), dtype=np.float64)  # (T, E)
    layer = model.get_layer("rnn")
    trace = trace_layer(layer, x)
    pooling = "mean" if "pool" in _layer_names(model) else "last"
    head = _head(model)
    p = head.p_positive(pooled(trace.h, pooling))
    known = ids != OOV
    unsure = np.array([words[i].unsure for i in read], dtype=bool)  # (T,)
    notices = _notices(text, words, tokens, known, n_tokens, config, cleaner, len(vocab.words_), lang)
    return Explanation(tuple(words), tokens, ids, known, x, trace, p, trace.cell, pooling, _cell_weights(layer),
                       seq.max_len, seq.keep, n_tokens, tuple(notices), len(text), unsure, head)


def replay(ex: Explanation, weights: list[np.ndarray | None]) -> Explanation:
    """``ex`` (the same tokens) through other weights of the same network, in NumPy only: ``weights``
    in ``lstm_core.limits.weight_shapes`` order (embedding, kernel, recurrent_kernel, bias, dense
    kernel and bias, output kernel and bias), the embedding None to keep ``ex``'s embedded words (a
    frozen embedding). What a time-lapse (``lstm_core.snapshots``) shows at each epoch."""
    if ex.head is None:
        raise ValueError("replay needs an Explanation made by explain() (it records the head's activation)")
    if len(weights) != 8:
        raise ValueError(f"weights must hold the network's 8 arrays (embedding, 3 recurrent, 4 head), "
                         f"got {len(weights)}")
    embedding, kernel, recurrent_kernel, bias, dense_k, dense_b, out_k, out_b = weights
    x = ex.x if embedding is None else np.asarray(embedding, dtype=np.float64)[ex.ids]  # (T, E)
    w = ex.weights
    cell = CellWeights(np.asarray(kernel, np.float64), np.asarray(recurrent_kernel, np.float64),
                       np.asarray(bias, np.float64), w.activation, w.recurrent_activation, w.reset_after)
    trace = trace_cell(ex.cell, x, cell.kernel, cell.recurrent_kernel, cell.bias, activation=cell.activation,
                       recurrent_activation=cell.recurrent_activation, reset_after=cell.reset_after)
    head = HeadWeights(*(np.asarray(a, np.float64) for a in (dense_k, dense_b)), ex.head.activation,
                       *(np.asarray(a, np.float64) for a in (out_k, out_b)))
    p = head.p_positive(pooled(trace.h, ex.pooling))
    return dataclasses.replace(ex, x=x, trace=trace, p_positive=p, weights=cell, head=head)


def _notices(text: str, words: list[Word], tokens: tuple[str, ...], known: np.ndarray, n_tokens: int,
             config: ExperimentConfig, cleaner: Cleaner, vocab_words: int, lang: str) -> list[str]:
    seq, cfg = config.sequence, config.preprocess
    out = []
    if n_tokens > seq.max_len:
        out.append(_t(lang, f"notice.cut_{seq.keep}", n=n_tokens, max_len=seq.max_len, cut=n_tokens - seq.max_len))
    unknown = list(dict.fromkeys(t for t, k in zip(tokens, known) if not k))
    if not known.any():
        out.append(_t(lang, "notice.none_known", words=vocab_words, unknown=_notice_list(unknown, lang), oov=OOV_TOKEN))
    elif unknown:
        out.append(_t(lang, "notice.some_unknown", n=int((~known).sum()), tokens=len(tokens),
                      unknown=_notice_list(unknown, lang), mark="?" if not cleaner.exact else "*", oov=OOV_TOKEN))
    foreign = list(dict.fromkeys(w for w in text.split() if any(c.isalpha() and not c.isascii() for c in w)))
    if cfg.letters_only and foreign:
        out.append(_t(lang, "notice.foreign", words=_notice_list(foreign, lang, 3)))
    if cfg.strip_html:
        tags = list(dict.fromkeys(m.group(1).lower() for m in _TAG.finditer(text)))
        if tags and cleaner.strip_html(text) != text:
            out.append(_t(lang, "notice.html", tags=", ".join(tags[:6]) + (", ..." if len(tags) > 6 else "")))
    if not cleaner.exact:
        marked = sum(w.unsure for w in words)
        problems = [_in_lang(p, lang) for p in cleaner.problems]
        out.append(i18n.sentences(lang, [_t(lang, "notice.inexact"), *problems,
                                         _t(lang, "notice.inexact_marked", n=marked)]))
    out += [_in_lang(w, lang) for w in cleaner.warnings if w not in cleaner.problems]
    return out

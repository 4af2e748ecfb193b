"""Train the default word2vec shipped in assets/word2vec_imdb.npz.

IMDB's 25,000 training reviews (labels unused) + 50,000 unlabelled reviews, cleaned with the default
PreprocessConfig, CBOW 128-d. Only the 30,000 most frequent words are kept and stored as float16,
so the file stays a few MB and covers the vocabulary sizes the app offers. Test reviews are never
used. Takes about a minute on 2 cores.

    python scripts/make_word2vec.py [path/to/aclImdb_v1.tar.gz]
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lstm_core.embeddings import BUNDLED_WORD2VEC, save_npz  # noqa: E402
from lstm_core.word2vec import Word2VecConfig, corpus_tokens, top_words, train_word2vec  # noqa: E402

MAX_WORDS = 30_000


def main() -> None:
    source = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
        "LSTM_LAB_IMDB", str(ROOT.parent / "shared" / "data" / "aclImdb_v1.tar.gz"))
    t0 = time.perf_counter()
    tokens = corpus_tokens(source, progress=lambda what, f: print(f"\r{what}: {f:.0%}   ", end="", file=sys.stderr))
    print(f"\n{len(tokens):,} reviews, {sum(map(len, tokens)):,} tokens in {time.perf_counter() - t0:.1f} s")
    cfg = Word2VecConfig(workers=1)  # one worker: the same corpus and seed give the same vectors
    vectors = train_word2vec(tokens, cfg, progress=lambda d, n: print(f"epoch {d}/{n}", file=sys.stderr))
    kept = top_words(vectors, MAX_WORDS)
    path = save_npz(kept, BUNDLED_WORD2VEC, dtype="float16")
    print(f"{len(vectors.words):,} words learned, {len(kept.words):,} kept -> {path} "
          f"({path.stat().st_size / 2**20:.1f} MB) in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()

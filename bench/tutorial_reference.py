"""The tutorial's cleaning function, reproduced as the baseline we measure and test against.

``clean_text`` is the notebook's code step for step (BeautifulSoup, letters only,
words longer than 2 letters, WordNet verb lemma of the lowercased word, NLTK
English stopwords looked up with ``stopwords.words('english')`` for every word,
which is what makes it take ~70 ms a review). ``clean_text_hoisted`` gives the
same output with the stopword list read once, so tests can compare hundreds of
reviews in seconds; ``bench/bench_cleaning.py`` times ``clean_text`` itself.

NLTK finds its data through ``NLTK_DATA``; nothing is downloaded.
"""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
from nltk.corpus import stopwords
from nltk.stem import WordNetLemmatizer

warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)

lemmatizer = WordNetLemmatizer()


def clean_text(x: str) -> str:
    soup = BeautifulSoup(x, "html.parser")
    text = soup.get_text()
    text_ = re.sub(r"[^a-zA-Z]", " ", text)
    text_ = [word for word in text_.split() if len(word) > 2]
    text_ = [lemmatizer.lemmatize(word.lower(), pos="v") for word in text_]
    A = [word for word in text_ if word not in stopwords.words("english")]
    clean_text = " ".join(A)
    return clean_text


def clean_text_hoisted(x: str) -> str:
    """``clean_text`` with ``stopwords.words('english')`` read once per call, not per word."""
    stop = set(stopwords.words("english"))
    text = BeautifulSoup(x, "html.parser").get_text()
    words = [w for w in re.sub(r"[^a-zA-Z]", " ", text).split() if len(w) > 2]
    words = [lemmatizer.lemmatize(w.lower(), pos="v") for w in words]
    return " ".join(w for w in words if w not in stop)

#!/usr/bin/env python3
"""Other model families on the guard's training data: is the linear model the limit, or the data?

Not part of the product or of CI. It answers one question behind issue 13's unmet floors: would
a different learner, trained on exactly what `guard train` may read (the S-Labs train split and
our own examples), with its threshold chosen on the S-Labs validation split alone, reach the
floors on the short-text sets? It prints, for a flag threshold at 0.5 % and at 2 % of
validation benign rows, the validation recall and each set's caught or false-positive rate.
Mail (BIPIA, LLMail) is left out: the guard scores mail by sentence windows, which these
whole-text baselines do not.

    python3 -m venv /tmp/gv && /tmp/gv/bin/pip install scikit-learn numpy scipy
    /tmp/gv/bin/python evals/guard_baselines.py lr svm mlp   # mlp takes about 4 minutes

COUNTERSIGN_DATASETS overrides ../shared/datasets.
"""
import json
import os
import sys
import unicodedata
from pathlib import Path

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.svm import LinearSVC

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("COUNTERSIGN_DATASETS", HERE / "../../shared/datasets"))
OWN = HERE / "../crates/countersign-pipeline/guard/own_examples.jsonl"
TESTS = {
    "deepset": "injection/deepset_prompt_injections.jsonl",
    "slabs_test": "injection/s-labs/s_labs_test.jsonl",
    "bitext": "support-messages/bitext_customer_service.jsonl",
    "natcs": "support-messages/dstc11_natcs_utterances.jsonl",
    "notinject": "injection/notinject_benign.jsonl",
}


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def norm(text):
    return unicodedata.normalize("NFKC", text).lower()


def is_injection(rows):
    return np.array([r["label"] == "injection" for r in rows])


def main(which):
    train = read(DATA / "injection/s-labs/s_labs_train.jsonl") + read(OWN)
    validation = read(DATA / "injection/s-labs/s_labs_validation.jsonl")
    tests = {k: read(DATA / v) for k, v in TESTS.items()}
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2,
                            sublinear_tf=True, preprocessor=norm)
    words = TfidfVectorizer(analyzer="word", ngram_range=(1, 3), sublinear_tf=True,
                            preprocessor=norm, token_pattern=r"(?u)\b\w+\b")
    texts = [r["text"] for r in train]
    x = hstack([chars.fit_transform(texts), words.fit_transform(texts)]).tocsr()

    def features(rows):
        t = [r["text"] for r in rows]
        return hstack([chars.transform(t), words.transform(t)]).tocsr()

    xv, yv = features(validation), is_injection(validation)
    xt = {k: features(v) for k, v in tests.items()}
    proba = lambda m, x: m.predict_proba(x)[:, 1]
    margin = lambda m, x: m.decision_function(x)
    models = {
        "lr": ("logistic regression C=10", LogisticRegression(C=10, max_iter=2000, class_weight="balanced"), proba),
        "svm": ("linear SVM C=0.5", LinearSVC(C=0.5, class_weight="balanced"), margin),
        "mlp": ("MLP, 64 hidden, 15 epochs", MLPClassifier(hidden_layer_sizes=(64,), max_iter=15, random_state=0, alpha=1e-4), proba),
    }
    for key in which:
        name, model, score = models[key]
        model.fit(x, is_injection(train))
        sv = score(model, xv)
        benign = np.sort(sv[~yv])
        for target in (0.005, 0.02):
            threshold = benign[int(np.ceil(len(benign) * (1 - target))) - 1] + 1e-9
            line = [f"{name} @ {target:.1%} validation FP: validation caught {np.mean(sv[yv] >= threshold):.3f}"]
            for k, rows in tests.items():
                s, y = score(model, xt[k]), is_injection(rows)
                if y.any():
                    line.append(f"{k} caught {np.mean(s[y] >= threshold):.3f}")
                if (~y).any():
                    line.append(f"{k} FP {np.mean(s[~y] >= threshold):.3f}")
            print(" · ".join(line), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or ["lr", "svm"])

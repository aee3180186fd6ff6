"""tag_many on a dask.distributed cluster (joblib's Dask backend) gives the single-process result."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimkit.readers import Article, read_articles

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "data" / "articles" / "seeds"


@pytest.fixture(scope="module")
def cluster():
    # Worker processes, as on a real cluster: the tagger travels pickled.
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


@pytest.fixture(scope="module")
def tagger(seed_sentences):
    from models.features import build_pipeline
    from models.tagger import Tagger

    texts, labels = zip(*seed_sentences, strict=True)
    return Tagger(build_pipeline().fit(list(texts), list(labels)), name="seed-test")


@pytest.mark.slow
def test_local_cluster_equals_single_process(cluster, tagger):
    articles = [a for a in read_articles([SEEDS]) if isinstance(a, Article)] * 3
    single = list(tagger.tag_many(articles, n_jobs=1))
    on_cluster = list(tagger.tag_many(articles, scheduler=cluster.scheduler_address, chunk_size=2))
    assert [r.article_id for r in on_cluster] == [a.article_id for a in articles]
    assert on_cluster == single


@pytest.mark.slow
def test_predict_cli_on_the_cluster(cluster, tagger, tmp_path, capsys):
    import json

    import sklearn

    from claimkit.cli import main
    from models.artifact import dump

    folder = tmp_path / "model"
    folder.mkdir()
    sha256 = dump(tagger.pipeline, folder / "model.skops")
    (folder / "manifest.json").write_text(
        json.dumps(
            {
                "name": "seed-test",
                "artifact": "model.skops",
                "sha256": sha256,
                "labels": list(tagger.labels),
                "versions": {"scikit-learn": sklearn.__version__},
            }
        )
    )
    out = tmp_path / "p.jsonl"
    code = main(
        [
            "predict",
            str(SEEDS),
            "--format",
            "jsonl",
            "--out",
            str(out),
            "--model",
            str(folder),
            "--scheduler",
            cluster.scheduler_address,
        ]
    )
    assert code == 0, capsys.readouterr().err
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    local = [a.to_dict() for a in tagger.tag_many(read_articles([SEEDS]))]
    assert [
        {k: v for k, v in r.items() if k not in ("schema", "model_version")} for r in rows
    ] == json.loads(json.dumps(local))

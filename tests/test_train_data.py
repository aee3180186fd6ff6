"""Loading labelled data: formats, column options, fingerprint, and every bad-input case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimkit.errors import DataError, InputError
from train.data import check_trainable, load_labelled

FIXTURE = Path(__file__).parent / "data" / "train_seed_sentences.jsonl"


def rows() -> list[dict]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


def test_jsonl_loads_with_default_columns() -> None:
    data = load_labelled(FIXTURE)
    assert len(data) == len(rows())
    assert data.n_groups == 5
    assert set(data.label_counts) == {"opinion", "speculative", "attributed", "confirmed"}
    assert data.ids[0] == rows()[0]["sentence_id"]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "datasets"])
def test_other_formats_give_the_same_data(tmp_path: Path, fmt: str) -> None:
    import datasets

    table = datasets.Dataset.from_list(rows())
    if fmt == "csv":
        path = tmp_path / "d.csv"
        table.to_csv(str(path), index=False)
    elif fmt == "parquet":
        path = tmp_path / "d.parquet"
        table.to_parquet(str(path))
    else:
        path = tmp_path / "d"
        table.save_to_disk(str(path))
    data = load_labelled(path)
    assert data.fingerprint == load_labelled(FIXTURE).fingerprint


def test_custom_columns_and_binary_labels(tmp_path: Path) -> None:
    records = [
        {"doc": r["article_id"], "sentence": r["text"], "hedged": int(r["label"] != "confirmed")}
        for r in rows()
    ]
    path = write_jsonl(tmp_path / "binary.jsonl", records)
    data = load_labelled(path, text_column="sentence", label_column="hedged", group_column="doc")
    assert set(data.label_counts) == {"0", "1"}
    assert data.n_groups == 5
    check_trainable(data, 5)


def test_fingerprint_ignores_row_order_and_sees_a_changed_label(tmp_path: Path) -> None:
    records = rows()
    shuffled = write_jsonl(tmp_path / "shuffled.jsonl", list(reversed(records)))
    assert load_labelled(shuffled).fingerprint == load_labelled(FIXTURE).fingerprint
    records[0] = {
        **records[0],
        "label": "confirmed" if records[0]["label"] != "confirmed" else "opinion",
    }
    changed = write_jsonl(tmp_path / "changed.jsonl", records)
    assert load_labelled(changed).fingerprint != load_labelled(FIXTURE).fingerprint


# ------------------------------------------------------------------------------ bad input


def one_line(err: pytest.ExceptionInfo) -> str:
    message = str(err.value)
    assert "\n" not in message
    return message


def test_missing_path() -> None:
    with pytest.raises(InputError) as err:
        load_labelled("no/such/labelled.jsonl")
    assert "no/such/labelled.jsonl" in one_line(err)


def test_missing_column_names_the_column_the_file_and_the_option(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "d.jsonl", [{k: v for k, v in r.items() if k != "label"} for r in rows()]
    )
    with pytest.raises(DataError) as err:
        load_labelled(path)
    message = one_line(err)
    assert "'label'" in message and str(path) in message and "--label-column" in message


def test_missing_group_column(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="--group-column"):
        load_labelled(FIXTURE, group_column="doc")


def test_empty_dataset(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("sentence_id,article_id,text,label\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_labelled(path)
    assert "empty" in one_line(err) and str(path) in one_line(err)


def test_empty_label_names_the_row(tmp_path: Path) -> None:
    records = rows()
    records[3] = {**records[3], "label": ""}
    path = write_jsonl(tmp_path / "d.jsonl", records)
    with pytest.raises(DataError) as err:
        load_labelled(path)
    assert "row 3" in one_line(err) and records[3]["sentence_id"] in one_line(err)


def test_single_class(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [{**r, "label": "confirmed"} for r in rows()])
    with pytest.raises(DataError) as err:
        check_trainable(load_labelled(path), 5)
    assert "single label" in one_line(err) and "'confirmed'" in one_line(err)


def test_label_with_fewer_examples_than_folds(tmp_path: Path) -> None:
    records = rows()
    records[0] = {**records[0], "label": "satire"}
    records[1] = {**records[1], "label": "satire"}
    scheme = ["opinion", "speculative", "attributed", "confirmed", "satire"]
    data = load_labelled(write_jsonl(tmp_path / "d.jsonl", records), labels=scheme)
    with pytest.raises(DataError) as err:
        check_trainable(data, 5)
    message = one_line(err)
    assert "'satire'" in message and "2 example" in message and "--folds 2" in message
    check_trainable(data, 2)


def test_fewer_groups_than_folds(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"5 distinct group.*--folds 5"):
        check_trainable(load_labelled(FIXTURE), 6)


def test_a_label_outside_the_guideline_scheme_is_an_error(tmp_path: Path) -> None:
    records = rows()
    for r in records[:6]:
        r["label"] = "confrimed"
    with pytest.raises(DataError, match=r"label 'confrimed' \(6 rows\) .* not in the scheme"):
        load_labelled(write_jsonl(tmp_path / "typo.jsonl", records))


def test_a_declared_scheme_is_enforced_and_a_custom_one_accepted(tmp_path: Path) -> None:
    records = rows()
    path = write_jsonl(tmp_path / "d.jsonl", records)
    with pytest.raises(DataError, match="not in the scheme"):
        load_labelled(path, labels=["opinion", "confirmed"])
    for r in records:
        r["label"] = "hedged" if r["label"] != "confirmed" else "plain"
    assert set(load_labelled(write_jsonl(tmp_path / "b.jsonl", records)).labels) == {
        "hedged",
        "plain",
    }


def test_duplicated_rows_are_used_once_with_a_warning(tmp_path: Path) -> None:
    records = rows()
    data = load_labelled(write_jsonl(tmp_path / "dup.jsonl", records + records[:40]))
    assert len(data) == len(records)
    assert data.notes == [
        "warning: 40 duplicated rows (same sentence_id) were left out; each sentence is used once"
    ]


def test_the_test_split_never_reaches_training(tmp_path: Path) -> None:
    records = rows()
    test_group = records[0]["article_id"]
    for r in records:
        r["split"] = "test" if r["article_id"] == test_group else "train"
    path = write_jsonl(tmp_path / "split.jsonl", records)
    train = load_labelled(path, split="train")
    test = load_labelled(path, split="test")
    assert test_group not in train.groups and set(test.groups) == {test_group}
    assert len(train) + len(test) == len(records)
    assert len(load_labelled(path)) == len(records)


def test_one_sentence_with_two_labels_is_an_error(tmp_path: Path) -> None:
    records = rows()
    twin = {**records[0], "label": "opinion" if records[0]["label"] != "opinion" else "confirmed"}
    with pytest.raises(DataError, match=r"appears with different labels \(1 ids in all\)"):
        load_labelled(write_jsonl(tmp_path / "twin.jsonl", [*records, twin]))

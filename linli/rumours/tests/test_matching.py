"""The text pipeline alone: tokens, BM25 similarity, debunks, the calibrated threshold and the
held-out figures of the labelled set."""

from __future__ import annotations

from linli.rumours import evaluation, matching

# What the held-out part of the labelled set must keep (measured: precision 0.97, recall 0.97).
MIN_PRECISION, MIN_RECALL = 0.9, 0.85


def test_tokens_drop_punctuation_and_function_words() -> None:
    cut = matching.tokens("听说，吃大剂量的抗流感药能预防新冠！！")
    assert "新冠" in cut and "抗流感" in cut and "预防" in cut
    assert not {"听说", "的", "，", "！"} & set(cut)
    assert matching.tokens("ＡＢＣ１２３") == ["abc123"]
    assert matching.tokens("。。。！") == []


def test_similarity_is_the_share_of_the_claims_weight() -> None:
    index = matching.Index([("a", ["喝高度白酒能杀死新冠病毒"]), ("b", ["快递包裹会传染新冠病毒"])])
    sims = index.similarities(["喝高度白酒能杀死新冠病毒", "今天喝了点白酒", "菜场的青菜很便宜", ""])
    assert sims.shape == (4, 2)
    assert abs(sims[0, 0] - 1.0) < 1e-9
    assert 0 < sims[1, 0] < 0.5
    assert sims[2].max() == 0 and sims[3].max() == 0
    # a longer message carrying the whole claim is still a full match
    assert abs(index.similarities(["群里都在说喝高度白酒能杀死新冠病毒，今晚多喝两杯"])[0, 0] - 1.0) < 1e-9


def test_the_best_wording_of_a_fact_counts() -> None:
    index = matching.Index([("a", ["吃大剂量抗流感药能预防新冠病毒感染", "多吃奥司他韦可以防新冠"]),
                            ("b", ["熏醋和喝板蓝根能预防新冠"])])
    [found] = index.match(["多吃奥司他韦可以防新冠"])
    assert found == matching.Match("a", 1.0)


def test_a_debunk_or_nothing_like_a_claim_matches_nothing() -> None:
    index = matching.Index([("a", ["喝高度白酒能杀死新冠病毒"])])
    assert index.match(["辟谣：喝高度白酒能杀死新冠病毒", "别信喝高度白酒能杀死新冠病毒", "周六上午义诊"]) == [None] * 3
    # "不是谣言" insists on the claim: still a suspect
    assert index.match(["不是谣言！喝高度白酒能杀死新冠病毒"])[0] is not None


def test_an_empty_base_matches_nothing() -> None:
    index: matching.Index[int] = matching.Index([])
    assert len(index) == 0
    assert index.match(["喝高度白酒能杀死新冠病毒"]) == [None]
    assert matching.Index([(1, ["。。。"])]).keys == []


def test_batches_give_the_same_answer_as_one_by_one() -> None:
    index = evaluation.seed_index()
    texts = [r.text for r in evaluation.load()[:60]]
    assert index.match(texts, batch=7) == [index.match([t])[0] for t in texts]


def test_the_split_holds_out_about_forty_percent_and_never_moves() -> None:
    rows = evaluation.load()
    training, held_out = evaluation.split(rows)
    assert len(rows) >= 300 and len(training) + len(held_out) == len(rows)
    assert 0.3 < len(held_out) / len(rows) < 0.5
    assert sum(1 for r in held_out if r.fact) >= 30  # enough rumours to measure recall
    assert {r.fact for r in rows if r.fact} <= {f.key for f in evaluation.FACTS}


def test_the_threshold_is_the_one_calibrated_on_the_training_part_only() -> None:
    training, _ = evaluation.split(evaluation.load())
    assert evaluation.calibrate(training) == matching.THRESHOLD


def test_held_out_precision_and_recall() -> None:
    _, held_out = evaluation.split(evaluation.load())
    figures = evaluation.evaluate(held_out)
    assert figures.precision >= MIN_PRECISION, figures
    assert figures.recall >= MIN_RECALL, figures


def test_best_threshold_prefers_fewer_false_alarms_among_equals() -> None:
    scored = [(0.9, True), (0.8, True), (0.3, False)]
    assert matching.best_threshold(scored, 2) == 0.8
    assert matching.best_threshold([(0.62, True), (0.61, False)], 1) == 0.6

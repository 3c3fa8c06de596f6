"""The themes module alone (no database): keywords without stop words, comments grouped by
shared keywords, representative comments."""

from __future__ import annotations

from linli.consult import themes

COMMENTS = [
    (1, "小区停车位太少了，晚上回来根本找不到停车位，建议增加停车位"),
    (2, "充电桩不够，电动车没地方充电，希望多装几个充电桩"),
    (3, "外来车辆占用停车位，业主的停车位被占"),
    (4, "停车收费标准太高，希望降低收费"),
    (5, "电动车充电桩装在楼下，要注意充电安全"),
    (6, "收费要公开透明，每月公布收费收支"),
    (7, "今天天气不错"),
]


def test_stop_words_are_a_real_list_and_never_keywords():
    words = themes.stop_words()
    assert {"的", "了", "我们", "建议", "希望", "小区"} <= words
    assert len(words) > 250
    found = themes.keywords("我们小区的停车位太少了，建议增加停车位")
    assert "停车位" in found
    assert not set(found) & words


def test_comments_are_grouped_by_shared_keywords():
    found = themes.group(COMMENTS)
    by_seed = {t.keywords[0]: t for t in found}
    assert by_seed["停车位"].members == [1, 3]
    assert by_seed["充电桩"].members == [2, 5]
    assert by_seed["收费"].members == [4, 6]
    assert found[-1].label == themes.OTHER and found[-1].members == [7]
    # every comment lies in exactly one theme
    assert sorted(c for t in found for c in t.members) == [c for c, _ in COMMENTS]


def test_representatives_share_most_keywords_and_ties_go_to_the_longer():
    theme = {t.keywords[0]: t for t in themes.group(COMMENTS)}["停车位"]
    assert theme.representatives[0] == 1  # says 停车位 three times and is the longer
    assert themes.group(COMMENTS, representatives=1)[0].representatives == [theme.representatives[0]]


def test_small_or_empty_input():
    assert themes.group([]) == []
    only = themes.group([(9, "电梯坏了")])
    assert [t.label for t in only] == [themes.OTHER] and only[0].members == [9]
    assert themes.group([(1, "的了吗"), (2, "我们你们")])[0].keywords == []


def test_overall_keywords_are_weighted_and_ordered():
    ranked = themes.overall(text for _, text in COMMENTS)
    weights = [w for _, w in ranked]
    assert weights == sorted(weights, reverse=True)
    assert {"停车位", "充电桩", "收费"} <= {w for w, _ in ranked[:6]}


def test_the_subject_of_every_comment_opens_no_theme_and_quotes_are_not_repeated():
    comments = [(i, text) for i, text in enumerate(
        ["投放点离楼太远，老人走不动", "投放点离楼太远，老人走不动", "投放时间太短，上班族来不及",
         "投放时间太短，上班族来不及", "投放点要有洗手池", "投放督导员态度要好", "投放督导员应该教老人",
         "投放时间晚上延长", "投放点有异味", "投放点太远了", "投放时间早上提前"], start=1)]
    found = themes.group(comments)
    assert all("投放" not in t.keywords for t in found)
    assert all(len({dict(comments)[c] for c in t.representatives}) == len(t.representatives) for t in found)

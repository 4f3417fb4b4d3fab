"""Issue 15: copies of the prompt earn no credit, a rejection followed by an acceptance is not a
rejection, and invalid outputs are their own class in the headline rates (EN and ZH)."""

from __future__ import annotations

import pytest

from harness.generators.base import Item
from harness.metrics import METRICS
from harness.metrics.base import ScoreContext
from harness.metrics.hallucination import classify, is_echo

ZH_PREMISE_PROMPT = "先检查问题的前提是否正确:如果前提错误或所问的对象不存在,请直接指出;如果不知道,请说“我不知道”。\n问题:{q}\n回答:"
EN_PREMISE_PROMPT = ("First check whether the question's premise is true. If it is false, or the thing asked about does not exist, "
                     "say so; if you do not know, say \"I don't know\".\nQuestion: {q}\nAnswer:")
EN_IDK_PROMPT = "If you are not sure, or the question's premise is wrong, answer \"I don't know\" and say why.\nQuestion: {q}\nAnswer:"
ZH_IDK_PROMPT = "如果你不确定或问题的前提有误,请回答“我不知道”并说明原因。\n问题:{q}\n回答:"

FICTIONAL_ZH = {"kind": "fictional", "lang": "zh", "name_en": "Quenoria", "name_zh": "昆奥里亚"}
FICTIONAL_EN = {"kind": "fictional", "lang": "en", "name_en": "Morvwick Prize for Urban Botany", "name_zh": "莫尔夫威克城市植物学奖"}
SPAIN = {"kind": "premise", "lang": "en", "true_values": ["Madrid", "马德里"], "reject_patterns": []}
SPAIN_ZH = {**SPAIN, "lang": "zh"}
CONTROL_ZH = {"kind": "control", "lang": "zh", "gold": ["Cairo", "开罗"]}
CONTROL_EN = {"kind": "control", "lang": "en", "gold": ["Leo Tolstoy", "Tolstoy", "托尔斯泰"]}


@pytest.mark.parametrize(
    "echo",
    [
        "先检查问题的前提是否正确:",  # 13 characters: slipped under the old 15-character guard
        "先检查问题的前提是否正确",
        "前提",  # 2 characters
        "前提错误",  # the instruction's own words, nothing else
        "如果前提错误或所问的对象不存在,请直接指出。",
        "先检查问题的前提是否正确:如果前提错误或所问的对象不存在,请直接指出;如果不知道,请说",
        "问题:昆奥里亚的首都是哪里?",  # the question repeated
    ],
)
def test_any_length_chinese_instruction_echo_earns_no_credit(echo: str) -> None:
    prompt = ZH_PREMISE_PROMPT.format(q="昆奥里亚的首都是哪里?")
    assert classify(echo, FICTIONAL_ZH, prompt) == "invalid"
    assert classify(echo, {**SPAIN_ZH}, prompt) == "invalid"


@pytest.mark.parametrize(
    "echo",
    [
        "First check whether the question's premise is true.",
        "If it is false, or the thing asked about does not exist, say so",
        "the thing asked about does not exist",
        "Question: Who won the Morvwick Prize for Urban Botany in 2015?",
    ],
)
def test_any_length_english_instruction_echo_earns_no_credit(echo: str) -> None:
    prompt = EN_PREMISE_PROMPT.format(q="Who won the Morvwick Prize for Urban Botany in 2015?")
    assert classify(echo, FICTIONAL_EN, prompt) == "invalid"


def test_parroted_instruction_next_to_an_offered_answer_keeps_only_the_answer() -> None:
    prompt = EN_IDK_PROMPT.format(q="Why is Berlin the capital of Spain?")
    # "I don't know" is the answer the instruction offers: following it is an abstention;
    # "the question's premise is wrong" is the instruction's own wording: no rejection credit.
    assert classify("I don't know. The question's premise is wrong.", SPAIN, prompt) == "abstained"
    assert classify("I don't know.", SPAIN, prompt) == "abstained"
    ctrl = EN_IDK_PROMPT.format(q="Who wrote 'War and Peace'?")
    assert classify("I don't know. The question's premise is wrong.", CONTROL_EN, ctrl) == "refused_wrongly"
    zh = ZH_IDK_PROMPT.format(q="昆奥里亚的首都是哪里?")
    assert classify("我不知道。", FICTIONAL_ZH, zh) == "abstained"
    assert classify("我不知道。问题的前提有误", FICTIONAL_ZH, zh) == "abstained"


def test_genuine_rejections_that_share_words_with_the_instruction_still_count() -> None:
    zh = ZH_PREMISE_PROMPT.format(q="为什么柏林是西班牙的首都?")
    assert classify("这个问题的前提是错误的:西班牙的首都是马德里,不是柏林。", SPAIN_ZH, zh) == "premise_rejected"
    assert classify("柏林不是西班牙的首都。", SPAIN_ZH, zh) == "premise_rejected"
    en = EN_PREMISE_PROMPT.format(q="Why is Berlin the capital of Spain?")
    assert classify("The premise is false: the capital of Spain is Madrid, not Berlin.", SPAIN, en) == "premise_rejected"
    assert classify("Berlin is not the capital of Spain. Berlin is the capital of Germany, not Spain.", SPAIN, en) == "premise_rejected"
    fic = ZH_PREMISE_PROMPT.format(q="昆奥里亚的首都是哪里?")
    assert classify("昆奥里亚这个国家并不存在。", FICTIONAL_ZH, fic) == "premise_rejected"


@pytest.mark.parametrize(
    "answer, meta, question",
    [
        ("The question's premise is false. Berlin is indeed the capital of Spain.", SPAIN, "Why is Berlin the capital of Spain?"),
        ("The premise is false. Berlin is the capital of Spain because it is the largest city.", SPAIN, "Why is Berlin the capital of Spain?"),
        ("I don't know. The question's premise is wrong. Berlin is the capital of Spain, not the capital of China.", SPAIN, "Why is Berlin the capital of Spain?"),
        ("这个问题的前提是错误的。柏林确实是西班牙的首都。", SPAIN_ZH, "为什么柏林是西班牙的首都?"),
        ("我不知道。柏林是西班牙的首都，但它的地理位置在南部。", SPAIN_ZH, "为什么柏林是西班牙的首都?"),
    ],
)
def test_a_rejection_followed_by_an_acceptance_is_not_a_rejection(answer: str, meta: dict, question: str) -> None:
    prompt = (ZH_PREMISE_PROMPT if meta["lang"] == "zh" else EN_PREMISE_PROMPT).format(q=question)
    assert classify(answer, meta, prompt) == "hallucinated"


def test_an_abstention_followed_by_a_fabrication_is_a_hallucination() -> None:
    en = EN_IDK_PROMPT.format(q="Who won the Morvwick Prize for Urban Botany in 2015?")
    assert classify("I don't know. The Morvwick Prize for Urban Botany was awarded to Dr. Green in 2015.", FICTIONAL_EN, en) == "hallucinated"
    assert classify("I don't know. I could not find anything about the Morvwick Prize for Urban Botany.", FICTIONAL_EN, en) == "abstained"
    zh = ZH_IDK_PROMPT.format(q="昆奥里亚的首都是哪里?")
    assert classify("我不知道。昆奥里亚的首都是巴黎。", FICTIONAL_ZH, zh) == "hallucinated"
    assert classify("Quenoria is a fictional country from the novel 'The Glass Sea'.", FICTIONAL_ZH, zh) == "hallucinated"  # invented provenance
    assert classify("Quenoria appears to be a fictional country.", FICTIONAL_ZH, zh) == "premise_rejected"


def test_restating_the_premise_is_a_hallucination_repeating_the_question_is_invalid() -> None:
    prompt = "问题:为什么马德里是印度尼西亚的首都?\n回答:"
    meta = {"kind": "premise", "lang": "zh", "true_values": ["Jakarta", "雅加达"], "reject_patterns": []}
    assert classify("马德里是印度尼西亚的首都。", meta, prompt) == "hallucinated"
    assert classify("为什么马德里是印度尼西亚的首都?", meta, prompt) == "invalid"
    assert classify("为什么马德里是印度尼西亚的首都?\n回答:为什么马德里是印度尼西亚的首都?\n回答:为什么马德", meta, prompt) == "invalid"


@pytest.mark.parametrize(
    "garbage",
    [
        "The answer to this question is:",
        "The authors of the paper 'Sparse Tensor Braiding' are:\n1.\n2.\n3.\n4.\n5",
        "但丁献献献献献献献献献",
        "The Chinese-American Chinese-American Chinese-American Chinese-American Chinese-American",
        "谁！谁！谁！谁！谁",
        "我是你的父母的父母。你可以爱我，我将",  # long, shares nothing with the question
    ],
)
def test_loops_empty_frames_and_off_topic_text_are_invalid(garbage: str) -> None:
    prompt = "问题:埃及的首都是哪里?\n回答:"
    assert classify(garbage, CONTROL_ZH, prompt) == "invalid"
    assert classify(garbage, FICTIONAL_ZH, "问题:昆奥里亚的首都是哪里?\n回答:") == "invalid"


def test_real_answers_survive_the_invalid_rules() -> None:
    prompt = "问题:埃及的首都是哪里?\n回答:"
    assert classify("埃及的首都是开罗。", CONTROL_ZH, prompt) == "correct"
    assert classify("1. 开罗是埃及的首都；；；；；", CONTROL_ZH, prompt) == "correct"
    assert classify("埃及的首都是亚历山大。", CONTROL_ZH, prompt) == "hallucinated"
    assert classify("Rio de Janeiro", {"kind": "control", "gold": ["Brasília", "Brasilia"]}, "Question: What is the capital of Brazil?\nAnswer:") == "hallucinated"
    assert classify("45", {"kind": "control", "gold": ["64"]}, "问题:45加19等于多少?\n回答:") == "hallucinated"
    # a wrong answer pieced together from the question and a passage is an answer, not an echo
    rag = "资料:\n[1] 《罪与罚》是陀思妥耶夫斯基创作的作品。\n\n问题:《战争与和平》的作者是谁?\n回答:"
    assert classify("《战争与和平》的作者是陀思妥耶夫斯基。", {"kind": "control", "gold": ["托尔斯泰"]}, rag) == "hallucinated"
    # few-shot: reusing the exemplar's abstention wording for this item is an abstention
    shots = [{"role": "user", "content": "Question: Who won the Kestington Prize in 2015?\nAnswer:"},
             {"role": "assistant", "content": "I don't know; I have no reliable information about Kestington Prize."},
             {"role": "user", "content": "Question: Who won the Morvwick Prize for Urban Botany in 2015?\nAnswer:"}]
    assert classify("I don't know; I have no reliable information about Morvwick Prize for Urban Botany.", FICTIONAL_EN, shots) == "abstained"
    assert is_echo("Who won the Morvwick Prize for Urban Botany in 2015?", shots)
    assert not is_echo("Tom Cruise", shots)


@pytest.mark.parametrize("kind", ["fictional", "premise", "control", "imaginative"])
def test_invalid_outputs_are_their_own_class_in_every_headline_rate(kind: str) -> None:
    prompt = [{"role": "user", "content": ZH_PREMISE_PROMPT.format(q="昆奥里亚的首都是哪里?")}]
    meta = {"fictional": FICTIONAL_ZH, "premise": SPAIN_ZH, "control": CONTROL_ZH, "imaginative": {"kind": "imaginative", "name_zh": "昆奥里亚"}}[kind]
    item = Item(id="x", fields={}, target="", meta=meta)
    echo = "先检查问题的前提是否正确:"
    s = METRICS["halluc_answer"].fn(ScoreContext(item=item, output=echo, parsed=echo, prompt=prompt))
    for rate in ("halluc_rate", "abstain_rate", "premise_rejected", "over_refusal"):
        assert s[rate] is None, rate  # neither "not hallucinated" nor "abstained": left out of the rate
    assert s["correct"] == 0.0
    if kind != "imaginative":
        assert s["cls_invalid"] == 1.0 and sum(v for k, v in s.items() if k.startswith("cls_")) == 1.0
    if kind == "control":
        assert s["control_accuracy"] == 0.0  # an invalid answer is not a correct one


def test_rescore_does_not_restore_a_stale_rate_for_an_output_now_invalid() -> None:
    """harness rescore kept an old value for any output that came back None when the run stored no
    log-probs; only log-prob metrics may keep theirs, so an invalid answer's rate stays None."""
    from pathlib import Path

    from harness.config.task import load_tasks
    from harness.records import ItemRecord
    from harness.rescore import rescore_record
    from harness.runner import build_items

    root = Path(__file__).resolve().parents[2]
    spec = load_tasks(root / "tasks")["halluc_imaginative_factual"]
    items = {it.id: it for it in build_items(spec, 1234, 3)}
    it = items["0000"]
    stale = ItemRecord(model="m", task=spec.name, task_hash=spec.hash, item_id=it.id, item_hash=it.hash, seed=1234,
                       prompt="Question: who?\nAnswer:", output="先检查问题的前提是否正确:", parsed="x", target=it.target,
                       valid=True, scores={"halluc_rate": 1.0, "cls_invalid": 0.0}, meta=it.meta)
    new = rescore_record(spec, items, stale)
    assert new is not None and new.scores["cls_invalid"] == 1.0 and new.scores["halluc_rate"] is None


def test_runaway_outputs_are_classified_not_hung() -> None:
    prompt = ZH_PREMISE_PROMPT.format(q="昆奥里亚的首都是哪里?")
    for junk in ["献" * 100_000, "谁！" * 50_000, "The answer is: " * 20_000, "昆奥里亚的首都是哪里" * 5_000]:
        assert classify(junk, FICTIONAL_ZH, prompt) == "invalid"

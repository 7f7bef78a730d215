#!/usr/bin/env python3
"""Korean lexical check: character bigrams vs kiwipiepy morphemes as the BM25 terms for Hangul.

A small hand-written set (our own text, no external data): 16 short Korean passages on distinct but partly
overlapping topics (two about revenue, two about employees, ...) so that a query must match the right words,
not just the topic, and 24 queries that use OTHER inflected forms, particles and spacing than the passages
(증가했습니다 -> 증가한, 매출액이 -> 매출액은, 감소하였다 -> 줄어든 is deliberately absent: no synonym tricks).
Prints recall@1, MRR and the time to tokenize, and writes the table to bench/results/korean-tokenizer.md.

  .venv/bin/python bench/korean_tokenizer_check.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSAGES = [
    "2023년 회사의 매출액이 전년 대비 12% 증가했습니다. 반도체 부문의 판매 호조가 주된 원인이었다.",
    "2022년 매출은 경기 둔화로 인해 소폭 감소하였으며, 특히 디스플레이 사업의 판매가 부진했다.",
    "영업이익은 원가 절감과 환율 효과 덕분에 두 배로 늘어났고 영업이익률은 15%를 기록하였다.",
    "당사는 전국에 3,200명의 직원을 고용하고 있으며 연구개발 인력은 그중 40%를 차지한다.",
    "신입 사원 채용 절차는 서류 전형, 인적성 검사, 두 차례의 면접으로 구성되어 있습니다.",
    "이사회는 주주 배당금을 주당 1,500원으로 결정했으며 배당 성향은 30% 수준으로 유지된다.",
    "신제품 스마트폰은 배터리 수명이 길어졌고 카메라 성능이 크게 개선되어 소비자 반응이 좋았다.",
    "환경 보호를 위해 공장에서 배출되는 탄소를 2030년까지 절반으로 줄이는 목표를 세웠습니다.",
    "서울 본사 건물은 리모델링 공사 중이며 직원들은 임시로 판교 사무실에서 근무하고 있다.",
    "고객 개인정보 유출 사고가 발생하여 회사는 보안 시스템을 전면적으로 재점검하였다.",
    "해외 시장 진출을 위해 베트남과 인도네시아에 새로운 생산 공장을 건설할 계획이다.",
    "부채비율은 차입금 상환으로 낮아졌으며 현금성 자산은 충분한 수준으로 확보되었다.",
    "임직원 복지 제도로 자녀 학자금 지원, 건강 검진, 사내 어린이집 운영을 제공하고 있습니다.",
    "주가는 실적 발표 이후 급등하였으나 금리 인상 우려로 다시 하락세로 돌아섰다.",
    "인공지능 기술을 활용한 고객 상담 서비스를 도입하여 응답 시간을 크게 단축시켰다.",
    "원자재 가격 상승으로 제조 원가가 높아져 제품 가격을 인상할 수밖에 없었습니다.",
]

# (query, index of the passage that answers it)
QUERIES = [
    ("매출액은 얼마나 증가한", 0), ("반도체 판매가 호조를 보인 이유", 0),
    ("매출이 감소한 해", 1), ("디스플레이 사업 부진", 1),
    ("영업이익이 늘어난 원인", 2), ("영업이익률 기록", 2),
    ("직원 수는 몇 명인가", 3), ("연구개발 인력 비중", 3),
    ("채용 절차에서 면접은 몇 번", 4), ("인적성 검사", 4),
    ("배당금 결정", 5), ("주당 배당", 5),
    ("스마트폰 카메라 성능 개선", 6), ("배터리 수명", 6),
    ("탄소 배출 감축 목표", 7), ("본사 리모델링 기간 근무 장소", 8),
    ("개인정보 유출 사고 대응", 9), ("해외 공장 건설 계획", 10),
    ("부채비율이 낮아진 이유", 11), ("복지 제도로 무엇을 제공하나", 12),
    ("금리 인상 우려로 주가 하락", 13), ("인공지능 상담 서비스 도입", 14),
    ("원자재 가격이 상승하면 제품 가격은", 15), ("학자금 지원", 12),
]


def evaluate(korean: str) -> dict[str, float]:
    import bm25s

    from retrieval.tokenize import LexicalTokenizer

    start = time.perf_counter()
    tokenizer = LexicalTokenizer(korean=korean)
    corpus = tokenizer.tokenize_many(PASSAGES)  # first call loads any model
    load_and_index = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(20):
        tokenizer.tokenize_many(PASSAGES)
    per_passage_ms = (time.perf_counter() - start) / (20 * len(PASSAGES)) * 1000
    bm25 = bm25s.BM25()
    bm25.index(corpus, show_progress=False)
    hits1, rr = 0, 0.0
    for query, gold in QUERIES:
        terms = tokenizer.tokenize(query)
        scores = bm25.get_scores(terms) if terms else [0.0] * len(PASSAGES)
        order = sorted(range(len(PASSAGES)), key=lambda i: -scores[i])
        rank = order.index(gold) + 1 if scores[gold] > 0 else len(PASSAGES) + 1
        hits1 += rank == 1
        rr += 1.0 / rank if rank <= len(PASSAGES) else 0.0
    return {"recall@1": hits1 / len(QUERIES), "mrr": rr / len(QUERIES), "first_call_s": load_and_index,
            "ms_per_passage": per_passage_ms}


def main() -> None:
    rows = [(name, evaluate(name)) for name in ("bigram", "kiwi")]
    lines = ["| Korean analyzer | recall@1 | MRR | first call (load) s | ms per passage |", "|---|---|---|---|---|"]
    for name, r in rows:
        lines.append(f"| {name} | {r['recall@1']:.3f} | {r['mrr']:.3f} | {r['first_call_s']:.2f} | "
                     f"{r['ms_per_passage']:.3f} |")
    table = "\n".join(lines)
    sys.stdout.write(table + "\n")
    out = Path(__file__).resolve().parent / "results" / "korean-tokenizer.md"
    out.write_text(f"# Korean lexical terms: bigrams vs kiwipiepy\n\n{len(PASSAGES)} passages, {len(QUERIES)} "
                   "queries with other inflections than the passages; BM25 (bm25s defaults) over the terms of "
                   "retrieval/tokenize.py.\nCommand: `.venv/bin/python bench/korean_tokenizer_check.py`\n\n"
                   + table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

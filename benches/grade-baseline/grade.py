#!/usr/bin/env python3
"""A plain-Python grader of kaoshi's files, the baseline `kaoshi grade` is
measured against (README, "Grading"): the same bank source directory,
papers.jsonl and responses.jsonl in, the same results.jsonl out (scores,
pass, module subtotals, per-item scores; short items null). Standard
library only, written the way a careful person would write it in Python.

    python3 grade.py BANK_DIR papers.jsonl responses.jsonl results.jsonl
"""
import json, sys, tomllib

bank_dir, papers_path, responses_path, out_path = sys.argv[1:5]
with open(f"{bank_dir}/bank.toml", "rb") as f:
    bank = tomllib.load(f)
with open(f"{bank_dir}/paper.toml", "rb") as f:
    spec = tomllib.load(f)
module_of_point = {p["code"]: m["code"] for m in bank["modules"] for p in m["points"]}
module_codes = [m["code"] for m in bank["modules"]]
items = {}
with open(f"{bank_dir}/items.jsonl", encoding="utf-8") as f:
    for line in f:
        if line.strip():
            it = json.loads(line)
            items[it["id"]] = (it["type"], it.get("answer"), module_of_point[it["point"]])
sections = spec["sections"]
pass_score = spec.get("pass_score", 60)
papers = {}
with open(papers_path, encoding="utf-8") as f:
    for line in f:
        if line.strip():
            p = json.loads(line)
            papers[p["index"]] = p["items"]
LETTERS = "ABCDEFGH"

with open(responses_path, encoding="utf-8") as f, open(out_path, "w", encoding="utf-8") as out:
    for line in f:
        if not line.strip():
            continue
        r = json.loads(line)
        paper = papers[r["index"]]
        modules = {c: 0.0 for c in module_codes}
        scores, total, unmarked = [], 0.0, False
        for pos, (entry, response) in enumerate(zip(paper, r["responses"])):
            kind, key, module = items[entry["id"]]
            section = sections[entry["section"]]
            full = float(section["score"])
            if kind == "short":
                scores.append(None)
                unmarked = True
                continue
            if not response:
                s = 0.0
            elif kind == "judge":
                s = full if response == key else 0.0
            else:
                order = entry["option_order"]
                chosen = {order[LETTERS.index(c)] for c in response}
                wanted = {LETTERS.index(c) for c in key}
                if chosen == wanted:
                    s = full
                elif section.get("scoring") == "partial" and chosen <= wanted:
                    s = full / 2
                else:
                    s = 0.0
            scores.append(s)
            total += s
            modules[module] += s
        passed = None if unmarked else total >= pass_score - 1e-9
        out.write(json.dumps({"index": r["index"], "score": total, "passed": passed,
                              "modules": modules, "items": scores}, ensure_ascii=False) + "\n")

#!/usr/bin/env python3
"""Makes the grading comparison's inputs: an 85-item paper spec for a
synthetic bank, and responses.jsonl with random valid answers for every
paper of papers.jsonl (seeded: the same files every time).

    python3 make.py spec  BANK_DIR            # writes BANK_DIR/paper.toml (85 items)
    python3 make.py responses BANK_DIR papers.jsonl responses.jsonl
"""
import json, random, sys

if sys.argv[1] == "spec":
    with open(f"{sys.argv[2]}/paper.toml", "w", encoding="utf-8") as f:
        f.write('title = "85题理论知识考试"\nduration_minutes = 90\npass_score = 60\nweight_tolerance = 5.0\n'
                '[[sections]]\ntype = "judge"\ncount = 20\nscore = 1.0\n'
                '[[sections]]\ntype = "single"\ncount = 55\nscore = 1.0\n'
                '[[sections]]\ntype = "multiple"\ncount = 10\nscore = 2.5\nscoring = "partial"\n')
    sys.exit(0)
bank_dir, papers_path, out_path = sys.argv[2:5]
options = {}
with open(f"{bank_dir}/items.jsonl", encoding="utf-8") as f:
    for line in f:
        if line.strip():
            it = json.loads(line)
            options[it["id"]] = (it["type"], len(it.get("options") or []))
rng = random.Random(7)
letters = "ABCDEFGH"
with open(papers_path, encoding="utf-8") as f, open(out_path, "w", encoding="utf-8") as out:
    for line in f:
        p = json.loads(line)
        responses = []
        for entry in p["items"]:
            kind, n = options[entry["id"]]
            if rng.random() < 0.05:
                responses.append(None)
            elif kind == "judge":
                responses.append(rng.choice("TF"))
            elif kind == "single":
                responses.append(letters[rng.randrange(n)])
            else:
                k = rng.randrange(1, n + 1)
                responses.append("".join(sorted(rng.sample(letters[:n], k))))
        out.write(json.dumps({"index": p["index"], "responses": responses}) + "\n")

#!/usr/bin/env bash
# The whole-process grading comparison in the README: `kaoshi grade` against
# the plain-Python grader of the same files (grade.py), 20,000 answer sheets
# of an 85-item paper from a 5,000-item synthetic bank. Runs alternate; the
# medians are printed with their ratio. The two results files must agree.
#   bash benches/grade-baseline/compare.sh [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${1:-7}
K="$root/target/release/kaoshi"
[ -x "$K" ] || cargo build --release --manifest-path "$root/Cargo.toml" -p kaoshi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$K" bank synth -o bank --items 5000 --modules 8 --seed 1 >/dev/null
python3 "$here/make.py" spec bank
"$K" assemble bank --count 20000 --seed 42 -o papers.jsonl >/dev/null
python3 "$here/make.py" responses bank papers.jsonl responses.jsonl
echo "inputs: papers.jsonl $(du -h papers.jsonl | cut -f1), responses.jsonl $(du -h responses.jsonl | cut -f1), $(nproc) cores"
python3 - "$K" "$here/grade.py" "$runs" <<'PY'
import json, statistics, subprocess, sys, time
kaoshi, grader, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
def timed(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t
k, p = [], []
for _ in range(runs):
    k.append(timed([kaoshi, "grade", "--bank", "bank", "--papers", "papers.jsonl", "--responses", "responses.jsonl", "-o", "results.jsonl"]))
    p.append(timed([sys.executable, grader, "bank", "papers.jsonl", "responses.jsonl", "py.jsonl"]))
norm = lambda f: [json.dumps(json.loads(l), sort_keys=True) for l in open(f)]
assert norm("results.jsonl") == norm("py.jsonl"), "the two graders disagree"
mk, mp = statistics.median(k), statistics.median(p)
print(f"kaoshi grade: median {mk*1000:.0f} ms (runs {', '.join(f'{x*1000:.0f}' for x in k)})")
print(f"plain Python: median {mp*1000:.0f} ms (runs {', '.join(f'{x*1000:.0f}' for x in p)})")
print(f"ratio {mp/mk:.1f}x; results identical")
PY

#!/usr/bin/env python3
"""Power-loss simulation (README, "Durability"): the real server runs on a
FUSE file system that keeps unsynced data in memory (powercut_fs.py); seats
save answers as fast as they can; mid-run the server and the file system are
killed at once — the power cut; the server then restarts on what the "disk"
kept, and every acknowledged save must be there.

    python3 tools/powercut/run.py target/release/kaoshi [--seconds 20] [--seats 8] [--rounds 3]

Needs /dev/fuse, fusepy and libfuse2 (pip install fusepy; apt-get install
libfuse2). Standard library otherwise. Exit status 1 if any acknowledged
save is missing after a cut.
"""
import argparse, json, os, random, shutil, signal, socket, subprocess, sys, tempfile, threading, time, urllib.request

here = os.path.dirname(os.path.abspath(__file__))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(base, method, path, token=None, body=None, timeout=10):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def serve(kaoshi, data, port):
    p = subprocess.Popen([kaoshi, "serve", "--demo", "--data", data, "--addr", f"127.0.0.1:{port}"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    if not line.startswith("kaoshi serving on "):
        raise SystemExit(f"server did not start: {line!r}")
    threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True).start()
    return p, line.strip().removeprefix("kaoshi serving on ")


def one_round(kaoshi, seconds, seats, round_no):
    tmp = tempfile.mkdtemp(prefix="kaoshi-powercut-")
    backing, mnt = os.path.join(tmp, "disk"), os.path.join(tmp, "mnt")
    os.mkdir(backing)
    os.mkdir(mnt)
    fs = subprocess.Popen([sys.executable, os.path.join(here, "powercut_fs.py"), backing, mnt])
    for _ in range(100):
        if os.path.ismount(mnt):
            break
        time.sleep(0.05)
    else:
        raise SystemExit("the FUSE file system did not mount")
    server, base = serve(kaoshi, os.path.join(mnt, "data"), free_port())
    demo = json.load(open(os.path.join(mnt, "data", "demo.json")))
    password = next(s["password"] for s in demo["staff"] if s["role"] == "proctor")
    proctor = call(base, "POST", "/api/staff/login", body={"user": "proctor", "password": password})[1]["token"]
    people = demo["candidates"][:seats]
    tokens = {}
    for c in people:
        tokens[c["ticket"]] = call(base, "POST", "/api/seat/login", body={"ticket": c["ticket"], "id_number": c["id_number"]})[1]["token"]
        call(base, "POST", f"/api/proctor/batches/demo/seats/{c['ticket']}/approve", proctor, {})
        call(base, "GET", "/api/seat/paper", tokens[c["ticket"]])
    acked = {c["ticket"]: {} for c in people}  # ticket -> pos -> (seq, response)
    stop = threading.Event()

    def seat(ticket):
        rng = random.Random(ticket)
        seq = 0
        while not stop.is_set():
            seq += 1
            pos = rng.randrange(20)  # the judge items
            response = rng.choice("TF")
            try:
                status, _ = call(base, "PUT", f"/api/seat/answers/{pos}", tokens[ticket], {"response": response, "seq": seq}, timeout=5)
            except Exception:
                return  # the power is out
            if status == 200:
                acked[ticket][pos] = (seq, response)

    threads = [threading.Thread(target=seat, args=(c["ticket"],)) for c in people]
    for t in threads:
        t.start()
    time.sleep(seconds * (0.6 + 0.4 * random.random()))
    # The power cut: the machine and its volatile state go at once.
    server.send_signal(signal.SIGKILL)
    fs.send_signal(signal.SIGKILL)
    stop.set()
    for t in threads:
        t.join()
    server.wait()
    fs.wait()
    subprocess.run(["umount", "-l", mnt], stderr=subprocess.DEVNULL)
    total = sum(len(v) for v in acked.values())
    saves = sum(max((s for s, _ in v.values()), default=0) for v in acked.values())

    # Power back: the server starts on what the disk kept.
    server, base = serve(kaoshi, os.path.join(backing, "data"), free_port())
    lost = []
    try:
        for c in people:
            status, body = call(base, "POST", "/api/seat/login", body={"ticket": c["ticket"], "id_number": c["id_number"]})
            if status != 200:
                lost.append((c["ticket"], "cannot log in", body))
                continue
            _, saved = call(base, "GET", "/api/seat/answers", body["token"])
            held = {a["pos"]: (a["seq"], a["response"]) for a in saved["answers"]}
            for pos, (seq, response) in acked[c["ticket"]].items():
                got = held.get(pos)
                if got is None or got[0] < seq or (got[0] == seq and got[1] != response):
                    lost.append((c["ticket"], pos, seq, got))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"round {round_no}: {saves} saves acknowledged by {seats} seats "
          f"({total} newest answers checked) before the cut; after it: {len(lost)} missing")
    for l in lost[:10]:
        print("  missing:", l)
    return len(lost)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kaoshi")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--seats", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    lost = sum(one_round(os.path.abspath(a.kaoshi), a.seconds, a.seats, r + 1) for r in range(a.rounds))
    print(f"{a.rounds} power cuts: {lost} acknowledged saves missing")
    sys.exit(1 if lost else 0)


if __name__ == "__main__":
    main()

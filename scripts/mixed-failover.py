#!/usr/bin/env python3
"""Meta-leader failover after kill -9 in a three-server cluster whose servers
are Go or rnats, as chosen: the time until both survivors name the same new
meta leader, over several kills (the killed server is started again and the
cluster is let settle, every server current, between kills).

Usage: scripts/mixed-failover.py go rnats rnats 8
Needs the oracle (scripts/install-go-server.sh) and a release rnats
(cargo build --release -p server --bin rnats). Servers bind 127.0.0.1 on
free ports and keep their files under a temporary directory."""
import subprocess, sys, time, json, urllib.request, os, signal, socket, tempfile
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GO = os.environ.get("NATS_SERVER_BIN", os.path.join(ROOT, ".oracle/nats-server-2.15.1/nats-server"))
RN = os.environ.get("RNATS_BIN", os.path.join(ROOT, "target/release/rnats"))
impls, rounds = sys.argv[1:4], int(sys.argv[4])
base = tempfile.mkdtemp(prefix="mixed-failover-")
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
ports = [(free_port(), free_port(), free_port()) for _ in range(3)]
routes = ", ".join(f"nats-route://127.0.0.1:{r}" for _, r, _ in ports)
procs = [None] * 3
def start(i):
    c, r, h = ports[i]
    conf = f"{base}/n{i}.conf"
    open(conf, "w").write(f'server_name: n{i}\nlisten: 127.0.0.1:{c}\nhttp: 127.0.0.1:{h}\njetstream {{ store_dir: "{base}/d{i}" }}\ncluster {{ name: c, listen: 127.0.0.1:{r}, routes: [{routes}] }}\n')
    procs[i] = subprocess.Popen([GO, "-c", conf] if impls[i] == "go" else [RN, "-c", conf], stdout=open(f"{base}/log{i}", "a"), stderr=subprocess.STDOUT)
def leader(i):
    try:
        d = json.load(urllib.request.urlopen(f"http://127.0.0.1:{ports[i][2]}/jsz", timeout=1))
        return (d.get("meta_cluster") or {}).get("leader")
    except Exception:
        return None
def pindex(i):
    try:
        d = json.load(urllib.request.urlopen(f"http://127.0.0.1:{ports[i][2]}/raftz", timeout=1))
        g = list(d.values())[0]["_meta_"]
        return (g.get("pindex"), g.get("applied"), g.get("catching_up", False))
    except Exception:
        return None
def current(bound=30):
    end = time.time() + bound
    while time.time() < end:
        ps = [pindex(i) for i in range(3)]
        if all(ps) and len({p[0] for p in ps}) == 1 and all(p[0] == p[1] and not p[2] for p in ps):
            return
        time.sleep(0.05)
    raise SystemExit(f"not current: {ps}")
def agreed(nodes, not_=None, bound=40):
    end = time.time() + bound
    while time.time() < end:
        ls = [leader(i) for i in nodes]
        if ls[0] and all(l == ls[0] for l in ls) and ls[0] != not_:
            return ls[0]
        time.sleep(0.01)
    raise SystemExit(f"no agreed leader among {nodes}: {ls}")
for i in range(3): start(i)
samples = []
try:
    agreed([0, 1, 2])
    for _ in range(rounds):
        l = agreed([0, 1, 2]); k = int(l[1:])
        procs[k].send_signal(signal.SIGKILL); procs[k].wait(); t0 = time.time()
        new = agreed([i for i in range(3) if i != k], not_=l)
        ms = (time.time() - t0) * 1000
        samples.append((impls[k], impls[int(new[1:])], round(ms)))
        start(k); agreed([0, 1, 2]); current(); time.sleep(1.5)
finally:
    for p in procs:
        if p and p.poll() is None: p.kill()
for s in samples: print("killed %s leader, new %s leader after %d ms" % s)
ms = sorted(s[2] for s in samples); print("median %d ms, max %d ms over %d kills" % (ms[len(ms)//2], ms[-1], len(ms)))

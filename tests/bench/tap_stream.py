#!/usr/bin/python3
"""Large-result download benchmark: one query returning N rows, async (UWS) or sync, in BINARY2.

  async: POST /async (LANG, QUERY, MAXREC, RESPONSEFORMAT), POST PHASE=RUN to the job's
         /phase, poll its /phase
         every 20 ms until COMPLETED, then GET /results/result; the job is deleted afterwards.
  sync:  POST /sync and read the streamed answer.

Times submit -> COMPLETED (execution), the download (first to last byte), and the whole
(submit -> last byte); rows/s = rows / whole. Meanwhile a thread samples the own memory
(RssAnon: heap and stacks; not mapped files such as skyshard's store, which are page cache) of
the server process(es) given with --pid every 20 ms, with --tree also of their
descendants (DaCHS runs async jobs in a `dachs taprun` child), and reports the peak sum, the
value before the query, and the main pid's VmHWM (peak since the process started).

Rows are counted without decoding them: the query must return fixed-width columns only, so a
BINARY2 row is null-mask + the fixed field sizes, and rows = base64-decoded bytes of the STREAM
/ row size (checked to divide exactly). This keeps the client at ~1 GB/s of base64 so that it
measures the server, not Python. A QUERY_STATUS of ERROR or OVERFLOW fails the run, as does a
row count different from --expect-rows.

Only loopback URLs are accepted. Standard library only, plus the peer's bench_tap.py.
"""
import argparse
import json
import os
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
# The DaCHS peer's client (../shared/peers/dachs/bench_tap.py, or $DACHS_PEER): its query
# sequences and its VOTable row counting are reused, not copied.
PEER_DIR = os.environ.get("DACHS_PEER") or os.path.join(HERE, "..", "..", "..", "shared", "peers", "dachs")
sys.path.insert(0, HERE)
sys.path.insert(0, PEER_DIR)
import bench_tap as client  # noqa: E402

_WS = b" \t\r\n"
_STREAM_OPEN = re.compile(rb"<(?:\w+:)?STREAM\b[^>]*>")
_STREAM_CLOSE = re.compile(rb"</(?:\w+:)?STREAM\s*>")


def rss_kb(pid):
    """The process's own resident memory (RssAnon) in KiB, 0 when it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def hwm_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(roots):
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
            ppid = int(st[st.rfind(")") + 2:].split()[1])
            children.setdefault(ppid, []).append(int(d))
        except (OSError, ValueError, IndexError):
            pass
    out, todo = set(), list(roots)
    while todo:
        p = todo.pop()
        if p in out:
            continue
        out.add(p)
        todo += children.get(p, [])
    return out


class RssSampler(threading.Thread):
    def __init__(self, pids, tree):
        super().__init__(daemon=True)
        self.roots, self.tree = pids, tree
        self.pids = set(descendants(pids) if tree else pids)
        self.peak_kb = self.before_kb = sum(rss_kb(p) for p in self.pids)
        self.stop_flag = threading.Event()

    def run(self):
        n = 0
        while not self.stop_flag.wait(0.02):
            n += 1
            if self.tree and n % 10 == 0:
                self.pids = set(descendants(self.roots))
            self.peak_kb = max(self.peak_kb, sum(rss_kb(p) for p in self.pids))


def read_result(resp, chunk=1 << 20):
    """Reads a BINARY2 VOTable from resp; returns (rows, bytes, status, t_first_byte)."""
    head, b64chars, tail = b"", 0, b""
    state, total, t_first = "head", 0, None
    layout = None
    while True:
        buf = resp.read(chunk)
        if not buf:
            break
        if t_first is None:
            t_first = time.perf_counter()
        total += len(buf)
        if state == "head":
            head += buf
            m = _STREAM_OPEN.search(head)
            if not m:
                if len(head) > 8 << 20:
                    raise ValueError("no <STREAM> in the first 8 MiB: %r" % head[:300])
                continue
            if b"BINARY2" not in head[:m.start()]:
                raise ValueError("not a BINARY2 VOTable: %r" % head[:300])
            layout = client._field_layout(head[:m.start()])
            buf, head, state = head[m.end():], head[:m.end()], "stream"
        if state == "stream":
            data = tail + buf
            m = _STREAM_CLOSE.search(data)
            if m:
                b64chars += len(data[:m.start()].translate(None, _WS))
                tail, state = data[m.start():], "after"
                continue
            # keep a few bytes back: "</STREAM>" may straddle two reads
            keep = data[-16:]
            b64chars += len(data[:-16].translate(None, _WS)) if len(data) > 16 else 0
            tail = keep if len(data) > 16 else data
        else:
            tail = (tail + buf)[-65536:]
    if state == "head":
        rows, status = client.count_rows(head, "application/x-votable+xml")
        return rows, total, status, t_first
    if state != "after":
        raise ValueError("the answer ended inside the STREAM (%d bytes)" % total)
    status = "OK"
    for m in client._STATUS_RE.finditer(tail):
        v = client._attrs(m.group(0)).get("value", "").upper()
        if v in ("ERROR", "OVERFLOW"):
            status = v
    sizes = []
    for size, n in layout:
        if size == "bit" or n is None:
            raise ValueError("variable-width column in the result: select fixed-width columns")
        sizes.append(size * n)
    row_bytes = (len(layout) + 7) // 8 + sum(sizes)
    if b64chars % 4:
        raise ValueError("base64 STREAM of %d characters" % b64chars)
    # Padding: the last quantum may end in '=' / '=='; row_bytes divides the decoded length.
    decoded = b64chars // 4 * 3
    for pad in (0, 1, 2):
        if (decoded - pad) % row_bytes == 0:
            return (decoded - pad) // row_bytes, total, status, t_first
    raise ValueError("%d decoded bytes are not a whole number of %d-byte rows"
                     % (decoded, row_bytes))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def run_async(args, params):
    opener = urllib.request.build_opener(NoRedirect)
    base = args.tap.rstrip("/")
    t0 = time.perf_counter()
    req = urllib.request.Request(base + "/async", data=urllib.parse.urlencode(params).encode(),
                                 method="POST")
    try:
        resp = opener.open(req, timeout=args.timeout)
        loc = resp.headers.get("Location")
        resp.read()
    except urllib.error.HTTPError as ex:
        if ex.code not in (301, 302, 303):
            raise
        loc = ex.headers.get("Location")
    if not loc:
        raise ValueError("POST /async gave no Location")
    job = urllib.parse.urljoin(base + "/async", loc)
    # Created PENDING; start it with a POST to its phase (UWS 1.1; DaCHS ignores a PHASE=RUN
    # given with the creating POST).
    try:
        req = urllib.request.Request(job + "/phase", data=b"PHASE=RUN", method="POST")
        opener.open(req, timeout=args.timeout).read()
    except urllib.error.HTTPError as ex:
        if ex.code not in (301, 302, 303):
            raise
    deadline = time.monotonic() + args.timeout
    while True:
        with urllib.request.urlopen(job + "/phase", timeout=args.timeout) as r:
            phase = r.read().decode().strip()
        if phase == "COMPLETED":
            break
        if phase in ("ERROR", "ABORTED"):
            with urllib.request.urlopen(job, timeout=args.timeout) as r:
                raise ValueError("job %s ended %s: %r" % (job, phase, r.read()[:1500]))
        if time.monotonic() > deadline:
            raise ValueError("job %s still %s after %.0f s" % (job, phase, args.timeout))
        time.sleep(0.02)
    t_done = time.perf_counter()
    with urllib.request.urlopen(job + "/results/result", timeout=args.timeout) as r:
        rows, nbytes, status, t_first = read_result(r)
    t_end = time.perf_counter()
    try:
        req = urllib.request.Request(job, data=b"ACTION=DELETE", method="POST")
        opener.open(req, timeout=args.timeout).read()
    except urllib.error.HTTPError as ex:
        if ex.code not in (301, 302, 303):
            print("# warning: deleting %s: HTTP %d" % (job, ex.code), file=sys.stderr)
    return {"exec_s": t_done - t0, "download_s": t_end - t_done,
            "first_byte_s": (t_first or t_end) - t_done, "total_s": t_end - t0,
            "rows": rows, "bytes": nbytes, "status": status}


def run_sync(args, params):
    base = args.tap.rstrip("/")
    t0 = time.perf_counter()
    req = urllib.request.Request(base + "/sync", data=urllib.parse.urlencode(params).encode(),
                                 method="POST")
    with urllib.request.urlopen(req, timeout=args.timeout) as r:
        rows, nbytes, status, t_first = read_result(r)
    t_end = time.perf_counter()
    return {"exec_s": (t_first or t_end) - t0, "download_s": t_end - (t_first or t_end),
            "first_byte_s": (t_first or t_end) - t0, "total_s": t_end - t0,
            "rows": rows, "bytes": nbytes, "status": status}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tap", required=True)
    ap.add_argument("--query", required=True, help="ADQL returning fixed-width columns only")
    ap.add_argument("--mode", choices=["async", "sync"], default="async")
    ap.add_argument("--maxrec", type=int, required=True)
    ap.add_argument("--format", default="votable/b2")
    ap.add_argument("--pid", type=int, action="append", default=[],
                    help="server pid to sample (repeatable)")
    ap.add_argument("--tree", action="store_true", help="also sample the pids' descendants")
    ap.add_argument("--expect-rows", type=int, default=None)
    ap.add_argument("--timeout", type=float, default=1800.0)
    ap.add_argument("--label", default="")
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args()
    host = urllib.parse.urlparse(args.tap).hostname or ""
    if not (host == "localhost" or host == "::1" or host.startswith("127.")):
        sys.exit("tap_stream: refusing non-loopback TAP URL %s" % args.tap)

    params = {"REQUEST": "doQuery", "LANG": "ADQL", "QUERY": args.query,
              "MAXREC": str(args.maxrec), "RESPONSEFORMAT": args.format}
    sampler = RssSampler(args.pid, args.tree) if args.pid else None
    if sampler:
        sampler.start()
    try:
        res = (run_async if args.mode == "async" else run_sync)(args, params)
    except (urllib.error.URLError, OSError, ValueError) as ex:
        msg = str(ex)
        if isinstance(ex, urllib.error.HTTPError):
            msg += " " + ex.read()[:400].decode("utf-8", "replace")
        sys.exit("tap_stream: %s (%s): %s" % (args.tap, args.mode, msg))
    finally:
        if sampler:
            sampler.stop_flag.set()
            sampler.join()
    if res["status"] != "OK":
        sys.exit("tap_stream: QUERY_STATUS=%s after %d rows" % (res["status"], res["rows"]))
    if args.expect_rows is not None and res["rows"] != args.expect_rows:
        sys.exit("tap_stream: %d rows, expected %d" % (res["rows"], args.expect_rows))
    out = {"workload": "stream_" + args.mode, "tap": args.tap, "label": args.label,
           "rows": res["rows"], "bytes": res["bytes"],
           "exec_s": round(res["exec_s"], 3), "download_s": round(res["download_s"], 3),
           "first_byte_s": round(res["first_byte_s"], 3), "total_s": round(res["total_s"], 3),
           "rows_per_s": round(res["rows"] / res["total_s"]) if res["total_s"] > 0 else 0,
           "download_rows_per_s": (round(res["rows"] / res["download_s"])
                                   if res["download_s"] > 0 else 0),
           "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
    if sampler:
        out.update({"rss_before_mb": round(sampler.before_kb / 1024, 1),
                    "rss_peak_mb": round(sampler.peak_kb / 1024, 1),
                    "vmhwm_mb": round(hwm_kb(args.pid[0]) / 1024, 1),
                    "rss_tree": args.tree})
    print("stream_%-5s rows %d  %.1f MiB  exec %.2f s  download %.2f s  total %.2f s  "
          "%.0f rows/s%s" % (args.mode, out["rows"], out["bytes"] / 2**20, out["exec_s"],
                            out["download_s"], out["total_s"], out["rows_per_s"],
                            "  RssAnon %.0f -> peak %.0f MB (VmHWM %.0f MB)" % (
                                out["rss_before_mb"], out["rss_peak_mb"], out["vmhwm_mb"])
                            if sampler else ""), flush=True)
    if args.json_out:
        with open(args.json_out, "a") as f:
            f.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()

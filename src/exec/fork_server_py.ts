/**
 * The Python side of the fork server: a warm, pristine interpreter (started
 * once; only the standard library modules it needs are imported, nothing the
 * code could see is done) that forks a fresh supervisor per call. Each
 * supervisor contains its call exactly as a fresh process would
 * (`sidekernel_contain.supervise`: own process group, memory ceiling,
 * subreaper, every descendant killed at the end) but skips interpreter
 * start-up.
 *
 * It talks to sidekernel over its own stdin/stdout, never the code's:
 * requests are JSON lines on stdin, `{"op": "run", "id": N, "code": "..."}` and
 * `{"op": "kill", "id": N, "signal": 15}`; answers are frames on stdout, a
 * header line `ID KIND LENGTH` and LENGTH bytes: kind `o` the code's output,
 * `c` its control lines (src/exec/supervisor.ts), `x` the call is over
 * (payload: the supervisor's exit status), `r` the server is ready (id 0).
 *
 * Usage: `python3 -c FORK_SERVER_SOURCE <memory-MiB>`.
 *
 * @module
 */
import { CELL_FILENAME, CELL_PRELUDE } from "./supervisor.ts";

const SERVER = String.raw`
import json as _json, os as _os, selectors as _selectors, signal as _signal, sys as _sys, time as _time
import sidekernel_cell as _cell, sidekernel_contain as _contain
# What every call needs anyway, imported once (nothing the code can see changes).
import atexit as _atexit, builtins as _builtins, linecache as _linecache, threading as _threading, types as _types

def _serve(memory):
    _contain.become_subreaper()
    sel = _selectors.DefaultSelector()
    wake_r, wake_w = _os.pipe()
    _os.set_blocking(wake_w, False)
    _os.set_blocking(wake_r, False)
    _signal.set_wakeup_fd(wake_w)
    _signal.signal(_signal.SIGCHLD, lambda *_: None)
    _signal.signal(_signal.SIGINT, _signal.SIG_IGN)
    sel.register(0, _selectors.EVENT_READ, None)
    sel.register(wake_r, _selectors.EVENT_READ, None)
    calls = {}
    by_pid = {}
    pending = [b""]

    def frame(cid, kind, payload):
        data = b"%d %s %d\n" % (cid, kind, len(payload)) + payload
        while data:
            data = data[_os.write(1, data):]

    def start(cid, source):
        out_r, out_w = _os.pipe()
        ctl_r, ctl_w = _os.pipe()
        pid = _os.fork()
        if pid == 0:
            try:
                _signal.set_wakeup_fd(-1)
                _signal.signal(_signal.SIGCHLD, _signal.SIG_DFL)
                _signal.signal(_signal.SIGINT, _signal.SIG_DFL)
                _contain.set_parent_death_signal(_signal.SIGTERM)
                null = _os.open(_os.devnull, _os.O_RDONLY)
                _os.dup2(null, 0)
                _os.dup2(out_w, 1)
                _os.dup2(out_w, 2)
                _os.dup2(ctl_w, 3)
                _os.closerange(4, 1 << 16)
                _os.set_inheritable(3, False)
                run = lambda: _cell.run_cell(source, ${JSON.stringify(CELL_FILENAME)}, 3)
                code = _contain.supervise(run, memory)
                _cell.send(3, {"t": "exit", "code": code})
            finally:
                _os._exit(0)
        _os.close(out_w)
        _os.close(ctl_w)
        call = {"id": cid, "pid": pid, "fds": {out_r: b"o", ctl_r: b"c"}, "status": None, "ended": None}
        calls[cid] = call
        by_pid[pid] = call
        for fd in call["fds"]:
            sel.register(fd, _selectors.EVENT_READ, call)

    def request(line):
        msg = _json.loads(line)
        if msg["op"] == "run":
            start(msg["id"], msg["code"])
        elif msg["op"] == "kill" and msg["id"] in calls:
            try:
                _os.kill(calls[msg["id"]]["pid"], int(msg.get("signal", 15)))
            except OSError:
                pass

    def sweep():
        """Kills what a supervisor killed by SIGKILL left behind (reparented to us)."""
        keep = set()
        for pid in by_pid:
            keep.add(pid)
            keep.update(_contain.descendants(pid))
        for pid in _contain.descendants():
            if pid not in keep:
                try:
                    _os.kill(pid, _signal.SIGKILL)
                except OSError:
                    pass
        _contain.reap()

    def finish(call):
        for fd in list(call["fds"]):
            sel.unregister(fd)
            _os.close(fd)
        call["fds"].clear()
        del calls[call["id"]]
        frame(call["id"], b"x", b"%d" % call["status"])

    frame(0, b"r", b"")
    while True:
        waiting = [c for c in calls.values() if c["ended"] is not None]
        for key, _ in sel.select(0.2 if waiting else None):
            fd, call = key.fd, key.data
            if fd == wake_r:
                try:
                    while _os.read(wake_r, 512):
                        pass
                except BlockingIOError:
                    pass
                swept = False
                while True:
                    try:
                        pid, status = _os.waitpid(-1, _os.WNOHANG)
                    except ChildProcessError:
                        break
                    if pid == 0:
                        break
                    ended = by_pid.pop(pid, None)
                    if ended is not None:
                        ended["status"] = _contain._exit_code(status)
                        ended["ended"] = _time.monotonic()
                        if ended["status"] < 0 and not swept:
                            swept = True
                            sweep()
                continue
            data = _os.read(fd, 65536)
            if fd == 0:
                if not data:
                    for c in list(calls.values()):
                        try:
                            _os.kill(c["pid"], _signal.SIGTERM)
                        except OSError:
                            pass
                    _time.sleep(0.5)
                    _contain.kill_descendants()
                    return
                pending[0] += data
                *lines, pending[0] = pending[0].split(b"\n")
                for line in lines:
                    if line.strip():
                        request(line)
                continue
            if data:
                frame(call["id"], call["fds"][fd], data)
            else:
                sel.unregister(fd)
                _os.close(fd)
                del call["fds"][fd]
        now = _time.monotonic()
        for c in list(calls.values()):
            if c["ended"] is not None and (not c["fds"] or now - c["ended"] > 1.0):
                finish(c)

_serve(int(_sys.argv[1]))
`;

/** Source passed to `python3 -c` to start the fork server. */
export const FORK_SERVER_SOURCE: string = CELL_PRELUDE + SERVER;

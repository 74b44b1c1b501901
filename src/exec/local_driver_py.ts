/**
 * The Python side of the `local` executor, shipped inside sidekernel as a
 * string so a compiled binary carries it. Standard library only, so any
 * python3 (a bare system python, `python:3.x-slim`) runs it.
 *
 * It runs under the containment supervisor of src/exec/containment.ts
 * ({@link localDriverCommand}): the process sidekernel starts is a child
 * subreaper that forks the interpreter into its own process group with the
 * memory ceiling, forwards SIGINT to it (KeyboardInterrupt), and when the
 * interpreter dies (os._exit, a crash, the memory limit) or sidekernel sends
 * SIGTERM, kills every descendant and exits with the interpreter's status
 * (128 + N for signal N), so nothing the code started outlives its
 * interpreter. The interpreter runs cells in one persistent `__main__`
 * namespace; plots go through the shared `sidekernel_plots` module.
 *
 * Channels (README, "Local executor"): commands arrive as JSON lines on fd 0,
 * which the interpreter moves aside and replaces with /dev/null (so code
 * reading stdin gets end-of-file at once); messages leave as JSON lines on
 * fd 2, which is moved aside too; the code's fd 1 and fd 2 are both the
 * stdout pipe, so print, C-level writes and child processes keep their order.
 * Each message has a sequence number and is matched by a short marker
 * `NUL "SK" nonce ":" seq NUL` written to stdout after flushing, so
 * sidekernel places displays and the end of a cell exactly where they
 * happened in the output stream.
 *
 * @module
 */
import { supervisedSource } from "./containment.ts";
import { INPUT_MESSAGE } from "./supervisor.ts";

/**
 * The `-c` program of one driver process: the supervisor, then the driver.
 *
 * @param nonce random word (hex) of this process's output markers
 * @param memoryLimitMiB `--memory-limit`, 0 for none
 * @example
 * ```ts
 * const source = localDriverCommand("0123abcd", 4096); // python3 -c source
 * ```
 */
export function localDriverCommand(nonce: string, memoryLimitMiB: number): string {
  if (!/^[0-9a-f]+$/.test(nonce)) throw new Error(`nonce "${nonce}" must be hex`);
  return supervisedSource(DRIVER_SOURCE.replace("NONCE_HEX", nonce), memoryLimitMiB);
}

const DRIVER_SOURCE = String.raw`
import os, signal, sys, json
NONCE = b"NONCE_HEX"
MSG_FD = 2

def _write_all(fd, data):
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]

def _send(obj):
    _write_all(MSG_FD, (json.dumps(obj) + "\n").encode())

import ast, base64, builtins, io, linecache, traceback, types
# Loaded before sidekernel_plots' import hook runs: on Python 3.13 it is not loaded at start-up,
# and the hook's own "import importlib.util" would otherwise recurse through the hook.
import importlib.util
import sidekernel_plots

_cmd = os.fdopen(os.dup(0), "rb")
MSG_FD = os.dup(2)
_null = os.open(os.devnull, os.O_RDONLY)
os.dup2(_null, 0)
os.close(_null)
os.dup2(1, 2)
sys.stdin = open(os.devnull, "r")
sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                              errors="backslashreplace", write_through=True)
sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                              errors="backslashreplace", write_through=True)
sys.argv = [""]
if "" not in sys.path:
    sys.path.insert(0, "")

_state = {"seq": 0, "running": False, "cell": 0}

def _publish(obj):
    try:
        sys.stdout.flush()
    except Exception:
        pass
    _state["seq"] += 1
    seq = _state["seq"]
    obj["seq"] = seq
    _send(obj)
    _write_all(1, b"\x00SK" + NONCE + b":" + str(seq).encode() + b"\x00")

def _on_sigint(signum, frame):
    if _state["running"]:
        raise KeyboardInterrupt
signal.signal(signal.SIGINT, _on_sigint)

def input(prompt=""):
    raise RuntimeError(INPUT_MESSAGE)
builtins.input = input

_MIME_METHODS = (
    ("text/html", "_repr_html_"), ("text/markdown", "_repr_markdown_"),
    ("image/svg+xml", "_repr_svg_"), ("image/png", "_repr_png_"),
    ("image/jpeg", "_repr_jpeg_"), ("text/latex", "_repr_latex_"),
    ("application/json", "_repr_json_"),
)

def _bundle(obj):
    data = {}
    if not isinstance(obj, type):
        method = getattr(obj, "_repr_mimebundle_", None)
        if callable(method):
            try:
                got = method()
                if isinstance(got, tuple):
                    got = got[0]
                if isinstance(got, dict):
                    data.update(got)
            except Exception:
                pass
        for mime, name in _MIME_METHODS:
            method = getattr(obj, name, None)
            if mime in data or not callable(method):
                continue
            try:
                value = method()
            except Exception:
                continue
            if isinstance(value, tuple):
                value = value[0]
            if value is not None:
                data[mime] = value
    for mime in list(data):
        if isinstance(data[mime], (bytes, bytearray)):
            data[mime] = base64.b64encode(data[mime]).decode("ascii")
    if "text/plain" not in data:
        data["text/plain"] = repr(obj)
    return data

class DisplayHandle:
    """Returned by display(..., display_id=True): update() replaces that output."""
    def __init__(self, display_id):
        self.display_id = display_id
    def display(self, obj, **kwargs):
        display(obj, display_id=self.display_id, **kwargs)
    def update(self, obj, **kwargs):
        display(obj, display_id=self.display_id, update=True, **kwargs)
    def __repr__(self):
        return "<DisplayHandle display_id=%s>" % self.display_id

def display(*objs, raw=False, display_id=None, update=False, clear=False, **kwargs):
    """Shows each object as a notebook does: its richest representation and text/plain."""
    if display_id is True:
        display_id = os.urandom(8).hex()
    if clear:
        clear_output(wait=True)
    for obj in objs:
        data = dict(obj) if raw and isinstance(obj, dict) else _bundle(obj)
        if "text/plain" not in data:
            data["text/plain"] = ""
        msg = {"type": "display", "data": data}
        if display_id is not None:
            msg["display_id"] = str(display_id)
            msg["update"] = bool(update)
        _publish(msg)
    return DisplayHandle(display_id) if display_id is not None else None

def update_display(obj, display_id, **kwargs):
    """Replaces the output shown earlier with this display_id."""
    display(obj, display_id=display_id, update=True, **kwargs)

def clear_output(wait=False):
    """Clears the cell's output now, or (wait=True) when the next output arrives."""
    _publish({"type": "clear", "wait": bool(wait)})

builtins.display = display

sidekernel_plots.install(lambda bundle: _publish({"type": "display", "data": bundle}))
_main = types.ModuleType("__main__")
_main.__dict__.update({"__builtins__": builtins, "display": display,
                       "clear_output": clear_output, "update_display": update_display})
sys.modules["__main__"] = _main
_ns = _main.__dict__
_hooks = [sidekernel_plots.flush]

def _drop_driver_frames(te, seen):
    if te is None or id(te) in seen:
        return
    seen.add(id(te))
    # Only the code's own frames: its cells, files and libraries, not the driver's "<...>" ones.
    te.stack = traceback.StackSummary.from_list(
        [f for f in te.stack if not f.filename.startswith("<") or f.filename.startswith("<cell")])
    _drop_driver_frames(te.__cause__, seen)
    _drop_driver_frames(te.__context__, seen)

def _report(exc):
    te = traceback.TracebackException(type(exc), exc, exc.__traceback__)
    _drop_driver_frames(te, set())
    lines = "".join(te.format()).rstrip("\n").split("\n")
    _publish({"type": "error", "ename": type(exc).__name__, "evalue": str(exc),
              "traceback": lines})

_loop = None

def _run(code):
    global _loop
    value = eval(code, _ns)
    if code.co_flags & 0x80:  # CO_COROUTINE: top-level await
        import asyncio
        if _loop is None:
            _loop = asyncio.new_event_loop()
        value = _loop.run_until_complete(value)
    return value

def _cell(source):
    _state["cell"] += 1
    filename = "<cell %d>" % _state["cell"]
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    flags = getattr(ast, "PyCF_ALLOW_TOP_LEVEL_AWAIT", 0)
    tree = ast.parse(source, filename, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not source.rstrip().endswith(";"):
        last = ast.Expression(tree.body.pop().value)
    _run(compile(tree, filename, "exec", flags=flags, dont_inherit=True))
    if last is not None:
        value = _run(compile(last, filename, "eval", flags=flags, dont_inherit=True))
        if value is not None:
            _ns["_"] = value
            display(value)

def _execute(source):
    status = "ok"
    _state["running"] = True
    try:
        try:
            _cell(source)
        except SystemExit as exc:
            if exc.code not in (None, 0):
                status = "error"
                _report(exc)
        except BaseException as exc:
            status = "error"
            _report(exc)
        for hook in _hooks:
            try:
                hook()
            except BaseException as exc:
                status = "error"
                _report(exc)
    finally:
        _state["running"] = False
    return status

def _parent_of(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])

def _watch_sidekernel():
    # If sidekernel itself dies (SIGKILL, a crash) while a cell runs, nobody would read the
    # end of stdin: the supervisor is told to stop everything when its parent changes.
    import threading, time
    try:
        supervisor = os.getppid()
        sidekernel = _parent_of(supervisor)
    except Exception:
        return
    def watch():
        while True:
            time.sleep(1)
            try:
                if _parent_of(supervisor) != sidekernel:
                    os.kill(supervisor, signal.SIGTERM)
                    return
            except Exception:
                return
    threading.Thread(target=watch, name="sidekernel-watch", daemon=True).start()

_watch_sidekernel()
_send({"type": "ready", "pid": os.getpid(), "version": sys.version.split()[0]})
while True:
    line = _cmd.readline()
    if not line:
        break
    status = "error"
    try:
        command = json.loads(line)
        status = _execute(command["code"])
    except BaseException as exc:
        try:
            _report(exc)
        except BaseException:
            pass
    try:
        _publish({"type": "done", "status": status})
    except KeyboardInterrupt:
        _publish({"type": "done", "status": status})
os._exit(0)
`.replace(
  "raise RuntimeError(INPUT_MESSAGE)",
  `raise RuntimeError(${JSON.stringify(INPUT_MESSAGE)})`,
);

/**
 * The Python side of the `local` executor, shipped inside sidekernel as a
 * string so a compiled binary carries it. Standard library only, so any
 * python3 (a bare system python, `python:3.x-slim`) runs it.
 *
 * Started as `python -c LOCAL_BOOTSTRAP <driver source> <nonce>`, it forks:
 *
 * - the **supervisor** (the process sidekernel started) becomes the leader of
 *   a new process group and waits. SIGINT is forwarded to the interpreter
 *   (KeyboardInterrupt); SIGTERM kills the whole group. When the
 *   interpreter dies (os._exit, a crash, the memory limit) it writes
 *   `{"type":"exit","code":N}` on the message channel and kills the group,
 *   so nothing the code started outlives its interpreter.
 * - the **interpreter** runs cells in one persistent `__main__` namespace.
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
import { INPUT_MESSAGE } from "./supervisor.ts";

/** Filename of the driver's frames; left out of tracebacks the user sees. */
export const DRIVER_FILENAME = "<sidekernel>";

/** The `-c` program: compiles the driver (argv[1]) under its own filename and runs it. */
export const LOCAL_BOOTSTRAP = `import sys; exec(compile(sys.argv[1], ${
  JSON.stringify(DRIVER_FILENAME)
}, "exec"))`;

/** Source of the driver, passed as argv[1] to {@link LOCAL_BOOTSTRAP}; argv[2] is the nonce. */
export const LOCAL_DRIVER_SOURCE = String.raw`
import os, signal, sys, json
NONCE = sys.argv[2].encode()
MSG_FD = 2

def _write_all(fd, data):
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]

def _send(obj):
    _write_all(MSG_FD, (json.dumps(obj) + "\n").encode())

def _supervise(child):
    def forward(signum, frame):
        try:
            os.kill(child, signal.SIGINT)
        except OSError:
            pass
    def stop(signum, frame):
        os.killpg(0, signal.SIGKILL)
    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, stop)
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        if pid == child:
            _send({"type": "exit", "code": os.waitstatus_to_exitcode(status)})
            break
    os.killpg(0, signal.SIGKILL)

if hasattr(os, "fork"):
    os.setpgrp()
    _pid = os.fork()
    if _pid != 0:
        _supervise(_pid)
        os._exit(0)
    try:
        import ctypes
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass

import ast, base64, builtins, io, linecache, traceback, types

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

def _show_figures():
    import matplotlib.pyplot as plt
    for num in plt.get_fignums():
        fig = plt.figure(num)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight")
        width, height = fig.get_size_inches() * fig.dpi
        plain = "<Figure size %dx%d with %d Axes>" % (width, height, len(fig.axes))
        _publish({"type": "display", "data": {
            "image/png": base64.b64encode(buf.getvalue()).decode("ascii"), "text/plain": plain}})
    plt.close("all")

class _Plots:
    """Imports matplotlib with sidekernel's own backend: figures become PNG at show() and at
    the end of the cell. MPLBACKEND stays Agg for child processes."""
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name == "sidekernel_inline":
            import importlib.util
            return importlib.util.spec_from_loader(name, cls)
        if name != "matplotlib":
            return None
        for finder in sys.meta_path:
            if finder is cls or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None and spec.loader is not None:
                loader = spec.loader
                original = loader.exec_module
                def exec_module(module, original=original):
                    original(module)
                    module.rcParams["backend"] = "module://sidekernel_inline"
                loader.exec_module = exec_module
                return spec
        return None
    @staticmethod
    def create_module(spec):
        return None
    @staticmethod
    def exec_module(module):
        from matplotlib.backend_bases import FigureManagerBase
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        module.FigureCanvas = FigureCanvasAgg
        module.FigureManager = FigureManagerBase
        module.show = lambda *args, **kwargs: _show_figures()

sys.meta_path.insert(0, _Plots)
_main = types.ModuleType("__main__")
_main.__dict__.update({"__builtins__": builtins, "display": display,
                       "clear_output": clear_output, "update_display": update_display})
sys.modules["__main__"] = _main
_ns = _main.__dict__
def _plots_at_end():
    if "matplotlib.pyplot" in sys.modules:
        _show_figures()
_hooks = [_plots_at_end]

def _drop_driver_frames(te, seen):
    if te is None or id(te) in seen:
        return
    seen.add(id(te))
    te.stack = traceback.StackSummary.from_list(
        [f for f in te.stack if f.filename != "<sidekernel>"])
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
`.replace("INPUT_MESSAGE", JSON.stringify(INPUT_MESSAGE));

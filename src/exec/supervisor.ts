/**
 * The Python side of one stateless call. `sidekernel_cell.run_cell` runs a
 * cell in a fresh `__main__` (stderr merged into stdout, `input()` failing
 * fast, plots captured) and reports on a control descriptor of its own, never
 * the code's stdout, as JSON lines:
 *
 * - `{"t": "display", "data": {...}}` a figure (a Jupyter MIME bundle);
 * - `{"t": "memory"}` the cell raised `MemoryError`;
 * - `{"t": "exit", "code": N}` written by the supervisor when the call is over
 *   (negative: killed by that signal).
 *
 * {@link SUPERVISOR_SOURCE} is the fresh-process path (no fork server, or it
 * is down): `python3 -c SUPERVISOR_SOURCE <cell-file> <memory-MiB>`, output on
 * stdout, control on stderr. It contains the call with `sidekernel_contain`
 * (docs/SECURITY.md, "Process containment"); without `fork` (Windows) the
 * cell runs in the launched process itself.
 *
 * @module
 */
import { CONTAINMENT_PRELUDE } from "./containment.ts";
import { pythonModules } from "./containment_py.ts";

/** The message `input()` raises: there is no terminal to type into. */
export const INPUT_MESSAGE =
  "input() is not available: the code runs without a terminal, so nobody can type an answer. " +
  "Put the value in the code instead.";

/** File name of the cell in tracebacks. */
export const CELL_FILENAME = "<cell>";

/** Source of the `sidekernel_cell` Python module. */
export const CELL_PY = String.raw`
import os, sys

INPUT_MESSAGE = ${JSON.stringify(INPUT_MESSAGE)}


def send(fd, message):
    if message.get("t") == "exit":
        data = b'{"t": "exit", "code": %d}\n' % message["code"]
    elif message.get("t") == "memory":
        data = b'{"t": "memory"}\n'
    else:
        import json
        data = (json.dumps(message) + "\n").encode()
    while data:
        try:
            data = data[os.write(fd, data):]
        except OSError:
            return


def _input(prompt=""):
    raise RuntimeError(INPUT_MESSAGE)


def run_cell(source, filename, control_fd):
    """Runs source as a fresh __main__; returns the exit status."""
    import builtins, types
    import sidekernel_plots
    os.dup2(1, 2)
    builtins.input = _input

    def emit(bundle):
        try:
            sys.stdout.flush()
        except Exception:
            pass
        send(control_fd, {"t": "display", "data": bundle})

    sidekernel_plots.install(emit)
    main = types.ModuleType("__main__")
    main.__file__ = filename
    main.__builtins__ = builtins
    sys.modules["__main__"] = main
    sys.argv = [filename]
    sys.path.insert(0, os.getcwd())

    def remember_source():
        import linecache
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)

    if "linecache" in sys.modules:
        remember_source()
    code = 0
    out_of_memory = False
    try:
        exec(compile(source, filename, "exec"), main.__dict__)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if not isinstance(e.code, (int, type(None))):
            print(e.code, file=sys.stderr)
    except BaseException as e:
        out_of_memory = isinstance(e, MemoryError)
        code = 1
        try:
            remember_source()
            e.__traceback__ = e.__traceback__.tb_next
            if sys.excepthook is sys.__excepthook__:
                # Python's own hook reads source lines from disk; the cell's are in linecache.
                import traceback
                traceback.print_exception(type(e), e, e.__traceback__)
            else:
                sys.excepthook(type(e), e, e.__traceback__)
        except BaseException:
            pass
    finally:
        try:
            sidekernel_plots.flush()
        except BaseException:
            pass
    # What a normal interpreter exit does (the caller leaves with os._exit).
    try:
        if "threading" in sys.modules:
            sys.modules["threading"]._shutdown()
        import atexit
        atexit._run_exitfuncs()
    except BaseException:
        pass
    if out_of_memory:
        send(control_fd, {"t": "memory"})
    return code
`;

/** Prelude defining `sidekernel_contain`, `sidekernel_plots` and `sidekernel_cell`. */
export const CELL_PRELUDE: string = CONTAINMENT_PRELUDE +
  pythonModules({ sidekernel_cell: CELL_PY });

/** Source passed to `python3 -c` for a call in a fresh process. */
export const SUPERVISOR_SOURCE: string = CELL_PRELUDE + String.raw`
import os as _os, sys as _sys
import sidekernel_cell as _cell, sidekernel_contain as _contain
def _sk_main():
    path, memory = _sys.argv[1], int(_sys.argv[2])
    control = _os.dup(2)
    _os.set_inheritable(control, False)
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        source = f.read()
    run = lambda: _cell.run_cell(source, ${JSON.stringify(CELL_FILENAME)}, control)
    if hasattr(_os, "fork"):
        code = _contain.supervise(run, memory)
    else:
        _contain.limit_memory(memory)
        code = run()
    _cell.send(control, {"t": "exit", "code": code})
_sk_main()
`;

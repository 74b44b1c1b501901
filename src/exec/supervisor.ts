/**
 * The Python program the subprocess executor starts. It runs as the leader of
 * a new process group, forks the user's code into a child, and when the
 * child exits (or sidekernel sends SIGTERM on timeout) kills the whole group,
 * so nothing the code started outlives the call. Forking avoids starting a
 * second interpreter, so the executor adds almost nothing to Python's
 * start-up time.
 *
 * Usage: `python3 -c SUPERVISOR_SOURCE <cell-file>`; the exit status of the
 * user's code is written to stderr as `sidekernel-exit: N`.
 *
 * @module
 */

/** The message `input()` raises: there is no terminal to type into. */
export const INPUT_MESSAGE =
  "input() is not available: the code runs without a terminal, so nobody can type an answer. " +
  "Put the value in the code instead.";

/** Source passed to `python3 -c`. */
export const SUPERVISOR_SOURCE = `
import os, signal, sys
path = sys.argv[1]
if hasattr(os, "fork"):
    os.setpgrp()
    pid = os.fork()
else:
    pid = 0
if pid == 0:
    import builtins
    os.dup2(1, 2)
    def input(prompt=""):
        raise RuntimeError(${JSON.stringify(INPUT_MESSAGE)})
    builtins.input = input
    sys.argv = [path]
    sys.path.insert(0, os.getcwd())
    with open(path, "rb") as f:
        source = f.read()
    g = {"__name__": "__main__", "__file__": path, "__builtins__": builtins}
    del input, f
    try:
        exec(compile(source, path, "exec"), g)
    except SystemExit:
        raise
    except BaseException as e:
        e.__traceback__ = e.__traceback__.tb_next
        sys.excepthook(type(e), e, e.__traceback__)
        sys.stdout.flush()
        sys.exit(1)
    sys.exit(0)
def stop(*_):
    os.killpg(0, signal.SIGKILL)
signal.signal(signal.SIGTERM, stop)
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
os.write(2, b"sidekernel-exit: %d\\n" % code)
stop()
`;

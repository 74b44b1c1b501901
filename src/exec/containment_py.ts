/**
 * The Python side of process containment, as source text so that a compiled
 * sidekernel carries it. {@link CONTAINMENT_PY} is the body of a module named
 * `sidekernel_contain` (standard library only); {@link pythonModules} turns
 * embedded sources into a prelude that registers them in `sys.modules`.
 *
 * What the module gives (see docs/SECURITY.md, "Process containment"):
 * - `become_subreaper()`: on Linux, `prctl(PR_SET_CHILD_SUBREAPER)` through
 *   ctypes, so the orphans of every descendant (a daemon that forked twice
 *   and called `setsid()`) reparent to this process instead of init.
 * - `descendants()` / `kill_descendants()`: walk the ppid chains of `/proc/<pid>/stat`
 *   and SIGKILL every descendant, reaping and repeating until none is left
 *   (a fork bomb converges: a killed process forks no more).
 * - `limit_memory(mib)`: `RLIMIT_DATA` on Linux (private writable memory,
 *   what an allocation uses; `RLIMIT_AS` also counts mapped libraries and
 *   reserved thread stacks), `RLIMIT_AS` elsewhere.
 * - `supervise(run_child, ...)`: fork `run_child` into its own process group
 *   with the memory ceiling, forward chosen signals to it, and when it exits
 *   (or this process gets SIGTERM) kill every descendant; returns the child's
 *   exit code (negative: killed by that signal).
 *
 * @module
 */

/** Source of the `sidekernel_contain` Python module. */
export const CONTAINMENT_PY = String.raw`
import os, sys, time
try:
    import _signal as signal  # the module behind signal, without its enum import (~4 ms)
except ImportError:
    import signal

LINUX = sys.platform.startswith("linux")
_subreaper = False


_libc_handle = []


def _libc():
    if not _libc_handle:
        import ctypes
        _libc_handle.append(ctypes.CDLL(None, use_errno=True))
    return _libc_handle[0]


def become_subreaper():
    """Orphaned descendants reparent to this process (Linux >= 3.4). True when set."""
    global _subreaper
    if not LINUX:
        return False
    try:
        _subreaper = _libc().prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except Exception:
        _subreaper = False
    return _subreaper


def set_parent_death_signal(sig=signal.SIGTERM):
    """Linux: this process gets sig when the thread that forked it exits. True when set."""
    if not LINUX:
        return False
    try:
        return _libc().prctl(1, int(sig), 0, 0, 0) == 0  # PR_SET_PDEATHSIG
    except Exception:
        return False


def descendants(root=None):
    """Pids of the live descendants of root (default: this process), parents first."""
    root = os.getpid() if root is None else root
    try:
        names = os.listdir("/proc")
    except OSError:
        return []
    children = {}
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open("/proc/" + name + "/stat", "rb") as f:
                data = f.read()
        except OSError:
            continue
        # The name field may hold spaces and parentheses: ppid follows the last ")".
        fields = data[data.rfind(b")") + 2:].split()
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(name))
    found, stack = [], [root]
    while stack:
        for pid in children.get(stack.pop(), ()):
            found.append(pid)
            stack.append(pid)
    return found


def reap():
    """Reaps every exited child (own and reparented) without blocking; True if some still run."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True


def kill_descendants(root=None, seconds=5.0):
    """SIGKILLs and reaps every descendant until none is left; returns how many were killed."""
    killed = 0
    deadline = time.monotonic() + seconds
    if root is None and not reap():
        # No child at all, so no descendant (each one's chain passes through a child).
        return 0
    while True:
        pids = descendants(root) if os.path.isdir("/proc/self") else []
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except OSError:
                pass
        reap()
        if not pids or time.monotonic() > deadline:
            return killed
        time.sleep(0.002)


def limit_memory(mib):
    """Caps the memory of this process (and what it forks) at mib MiB; returns the limit's name."""
    if not mib or mib <= 0:
        return None
    try:
        import resource
    except ImportError:
        return None
    name = "RLIMIT_DATA" if LINUX else "RLIMIT_AS"
    limit = int(mib) << 20
    try:
        resource.setrlimit(getattr(resource, name), (limit, limit))
    except (ValueError, OSError, AttributeError):
        return None
    return name


class _Stop(Exception):
    pass


def _exit_code(status):
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    return 1


def supervise(run_child, memory_mib=0, forward=()):
    """Runs run_child() in a forked child under containment; returns its exit code.

    The child gets its own process group and the memory ceiling; run_child's
    return value is its exit status (an exception: 1). Signals in forward are
    passed on to the child; SIGTERM stops it. Afterwards every descendant is
    killed (Linux: via the subreaper; elsewhere: the child's process group).
    """
    become_subreaper()

    def on_term(*_):
        raise _Stop()

    signal.signal(signal.SIGTERM, on_term)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            for sig in forward:
                signal.signal(sig, signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL)
            os.setpgid(0, 0)
            set_parent_death_signal(signal.SIGKILL)
            limit_memory(memory_mib)
            code = run_child()
            code = 0 if code is None else int(code)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BaseException:
            code = 1
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except BaseException:
                pass
            os._exit(code & 0xFF)

    def pass_on(sig, _frame):
        try:
            os.kill(pid, sig)
        except OSError:
            pass

    for sig in forward:
        signal.signal(sig, pass_on)
    code = None
    try:
        while code is None:
            try:
                got, status = os.waitpid(-1, 0)
            except ChildProcessError:
                code = 1
                break
            if got == pid:
                code = _exit_code(status)
    except (_Stop, KeyboardInterrupt):
        # SIGTERM from sidekernel, or a terminal's Ctrl-C reaching this process group.
        code = -signal.SIGTERM
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if _subreaper:
        kill_descendants()
    else:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        reap()
    return code
`;

/**
 * Python source that defines each module of `modules` (name → source) in
 * `sys.modules`, in order, so later code can `import` them.
 *
 * @example
 * ```ts
 * const prelude = pythonModules({ sidekernel_contain: CONTAINMENT_PY });
 * new Deno.Command("python3", { args: ["-c", prelude + "import sidekernel_contain"] });
 * ```
 */
export function pythonModules(modules: Record<string, string>): string {
  const lines = [
    "import sys as _sk_sys, types as _sk_types",
    "def _sk_define(name, source):",
    "    m = _sk_types.ModuleType(name)",
    "    m.__file__ = '<sidekernel ' + name + '>'",
    "    _sk_sys.modules[name] = m",
    "    exec(compile(source, m.__file__, 'exec'), m.__dict__)",
  ];
  for (const [name, source] of Object.entries(modules)) {
    lines.push(`_sk_define(${JSON.stringify(name)}, ${JSON.stringify(source)})`);
  }
  lines.push("del _sk_define, _sk_sys, _sk_types", "");
  return lines.join("\n");
}

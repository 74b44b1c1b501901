/**
 * Plot capture for the executors that run Python themselves (subprocess and
 * local): {@link PLOTS_PY} is the source of a standard-library Python module
 * `sidekernel_plots` that, once `install(emit)` ran, makes matplotlib use a
 * non-interactive backend of sidekernel's own **only when matplotlib is
 * imported** (nothing is loaded before). `plt.show()` and `flush()` (called
 * at the end of a call or cell) render every open figure to PNG, hand it to
 * `emit` as a Jupyter MIME bundle (`image/png` base64 + `text/plain`) and
 * close it. The bundle becomes a `display` output event, which the shared
 * renderer (src/exec/output.ts) saves under `outputs/`, names in the text and
 * returns as image content, exactly as the Jupyter executor's images.
 *
 * Child processes the code starts keep `MPLBACKEND=Agg` from the environment.
 *
 * @module
 */

/** Name of the matplotlib backend module `sidekernel_plots` provides. */
export const PLOTS_BACKEND = "module://sidekernel_plots_backend";

const BACKEND_SOURCE = String.raw`
from matplotlib.backend_bases import FigureManagerBase, _Backend
from matplotlib.backends.backend_agg import FigureCanvasAgg
import sidekernel_plots


@_Backend.export
class _SidekernelBackend(_Backend):
    FigureCanvas = FigureCanvasAgg
    FigureManager = FigureManagerBase

    @staticmethod
    def show(*args, **kwargs):
        sidekernel_plots.flush()
`;

/** Source of the `sidekernel_plots` Python module. */
export const PLOTS_PY = String.raw`
import sys

BACKEND = ${JSON.stringify(PLOTS_BACKEND)}
_BACKEND_NAME = BACKEND[len("module://"):]
_BACKEND_SOURCE = ${JSON.stringify(BACKEND_SOURCE)}
_emit = None


class _Finder:
    """Provides the backend module, and picks the backend right after matplotlib loads."""

    def find_spec(self, name, path=None, target=None):
        if name == _BACKEND_NAME:
            import importlib.util
            return importlib.util.spec_from_loader(name, _BackendLoader())
        if name != "matplotlib":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _AfterMatplotlib(spec.loader)
                return spec
        return None


class _BackendLoader:
    def create_module(self, spec):
        return None

    def exec_module(self, module):
        module.__file__ = "<sidekernel " + _BACKEND_NAME + ">"
        exec(compile(_BACKEND_SOURCE, module.__file__, "exec"), module.__dict__)


class _AfterMatplotlib:
    def __init__(self, loader):
        self._loader = loader

    def __getattr__(self, name):
        return getattr(self._loader, name)

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        _use_backend(module)


def _use_backend(matplotlib):
    try:
        matplotlib.use(BACKEND)
    except Exception:
        pass


def install(emit):
    """Sends each rendered figure to emit(bundle); matplotlib uses our backend once imported."""
    global _emit
    _emit = emit
    # Loaded now, not while the finder runs (Python >= 3.13 no longer loads it at start-up).
    import importlib.util
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
    if "matplotlib" in sys.modules:
        _use_backend(sys.modules["matplotlib"])


def flush():
    """Renders every open figure to PNG, emits it and closes it; returns how many."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None or _emit is None:
        return 0
    import base64, io
    from matplotlib._pylab_helpers import Gcf
    count = 0
    for manager in list(Gcf.get_all_fig_managers()):
        figure = manager.canvas.figure
        try:
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", bbox_inches="tight")
            data = base64.b64encode(buffer.getvalue()).decode("ascii")
            _emit({"image/png": data, "text/plain": repr(figure)})
            count += 1
        finally:
            pyplot.close(figure)
    return count
`;

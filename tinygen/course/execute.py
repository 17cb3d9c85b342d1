"""Run a lesson's notebook in a fresh Jupyter kernel (nbclient), within a time limit for the whole lesson."""
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

import tinygen


@dataclass
class Execution:
    """How a lesson's run went: ``error`` is None, or one line naming what went wrong."""
    seconds: float
    error: str | None


def execute(notebook, folder, quick, time_limit):
    """Run ``notebook`` in place (outputs are written into its cells) with ``folder`` as working directory.

    The whole lesson gets ``time_limit`` seconds: each cell may take what is left of it. A failing
    cell stops the lesson; the cells that ran keep their outputs, the failing one its traceback.
    """
    start = time.monotonic()
    remaining = lambda cell: max(1, int(time_limit - (time.monotonic() - start)))
    with tempfile.TemporaryDirectory() as sockets:  # local sockets, not TCP ports: nothing else can connect
        kernel = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(sockets, "kernel"))
        client = NotebookClient(notebook, km=kernel, timeout_func=remaining,
                                resources={"metadata": {"path": str(folder)}})
        error = _run(client, quick, time_limit)
    return Execution(time.monotonic() - start, error)


def _run(client, quick, time_limit):
    """None when every cell ran, else one line saying what stopped the lesson."""
    try:
        client.execute(env=_kernel_environment(quick))
    except CellTimeoutError:
        return f"stopped after the lesson's time limit of {time_limit} s"
    except CellExecutionError as failure:
        return f"{failure.ename}: {failure.evalue}".strip()
    except DeadKernelError as failure:
        return f"the kernel died: {failure}"
    return None


def _kernel_environment(quick):
    """This process's environment, with this process's tinygen first on the path (the lessons must import
    the tinygen that builds them), figures drawn off-screen, and the mode set by ``quick`` alone."""
    environment = {key: value for key, value in os.environ.items() if key != "TINYGEN_QUICK"}
    package_root = str(Path(tinygen.__file__).resolve().parent.parent)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, environment.get("PYTHONPATH")]))
    environment["MPLBACKEND"] = "Agg"
    if quick:
        environment["TINYGEN_QUICK"] = "1"
    return environment

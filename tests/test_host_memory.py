"""Freed arrays are reused from the heap: counted in page faults, with and without the tuning."""
import os
import platform
import subprocess
import sys

import pytest

from tinygen import host_memory

COUNT_FAULTS = """
import resource
import tinygen as tg
import tinygen.functional as F
x, w = tg.randn(64, 32, 7, 7), tg.randn(32, 16, 3, 3)
def step():  # a decoder layer's forward pass: ~4 MiB of arrays made and freed
    F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)
step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""

on_glibc = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the tuning is for glibc's malloc")


def faults(setting):
    env = dict(os.environ, TINYGEN_KEEP_FREED_MEMORY=setting)
    result = subprocess.run([sys.executable, "-c", COUNT_FAULTS], env=env, capture_output=True, text=True,
                            check=True)
    return int(result.stdout)


@on_glibc
def test_kept_memory_spares_the_page_faults_of_fresh_arrays():
    # glibc's defaults unmap the freed arrays, and each new step faults its pages in again
    # (~1,000 a step measured here, ~50 when the kernel happened to back them with huge pages);
    # kept memory leaves only stray faults (0 to 21 measured)
    default, kept = faults("0"), faults("1")
    assert default > 20 * 25
    assert kept < default / 40


@on_glibc
def test_keep_freed_memory_reports_success_on_glibc():
    assert host_memory.keep_freed_memory() is True


def test_opt_out_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("TINYGEN_KEEP_FREED_MEMORY", "0")
    assert not host_memory.wanted()
    monkeypatch.delenv("TINYGEN_KEEP_FREED_MEMORY")
    assert host_memory.wanted()

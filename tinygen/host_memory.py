"""Host memory: let the C library keep freed arrays for reuse instead of handing them back.

By default glibc serves an allocation above its mmap threshold (128 KiB, raised on the fly
to the largest chunk freed so far) with a fresh ``mmap`` and unmaps it on free, and hands the
top of the heap back to the OS once it exceeds twice that threshold. Either way the next array
starts on untouched pages and pays one page fault per 4 KiB. A training step makes and frees a
mix of sizes again and again, and in a virtual machine those faults can cost more than the
arithmetic: on the 2-core VM here, a 64x32x7x7 -> 64x16x14x14 transposed convolution faulted
~1,000 times a call (getrusage) and took 4.1 ms; with freed memory kept, 0 faults and 0.95 ms
(benchmarks/README.md has the whole-epoch numbers). So on import tinygen asks glibc to serve
arrays up to 32 MiB (its largest allowed threshold) from the heap, and never to trim the heap.

The cost: memory freed by Python stays with the process (its peak stays reserved). Opt out
with ``TINYGEN_KEEP_FREED_MEMORY=0`` before importing tinygen. A no-op off glibc.
"""
import ctypes
import ctypes.util
import os
import platform

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameter numbers from glibc's malloc.h
_LARGEST_MMAP_THRESHOLD = 32 * 1024 * 1024       # glibc refuses larger values on 64-bit systems
_NEVER_TRIM = 2 ** 31 - 1


def keep_freed_memory():
    """Tune glibc's malloc as described above; True when it took effect, False off glibc."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    # mallopt returns 1 on success, 0 when glibc refuses the value
    return bool(libc.mallopt(_M_TRIM_THRESHOLD, _NEVER_TRIM)
                and libc.mallopt(_M_MMAP_THRESHOLD, _LARGEST_MMAP_THRESHOLD))


def wanted():
    """Unless TINYGEN_KEEP_FREED_MEMORY is "0"."""
    return os.environ.get("TINYGEN_KEEP_FREED_MEMORY", "1") != "0"

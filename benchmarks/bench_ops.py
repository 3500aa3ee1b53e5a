r"""Speed of gradlab's convolution, pooling and softmax backward passes (``make bench``).

Every timing is the best of several repeats after one warm-up call, with
``time.perf_counter``; the best, not the mean, because other processes only ever add time.
Each library is timed in its own block, never interleaved with the other within it; the
libraries take turns for a few rounds and each keeps its best block.
Each "forward+backward" row times one forward pass and one backward pass together.

When PyTorch is importable, the same shapes run through ``torch.nn.functional`` in float64
(autograd for the backward pass, as many threads as numpy's BLAS uses) and the ratio
gradlab / torch is printed: below 1 means gradlab is faster. A second ratio runs both on a
single thread, which compares the work each does per core apart from how each uses the
other cores. PyTorch is never a dependency; to compare, install it into the environment by
hand (``.venv/bin/pip install torch==2.13.0``, the CPU build on this kind of machine).

The convolution rows also report the arithmetic rate: forward, dw and dx each cost
2*N*F*C*HH*WW*H'*W' floating-point operations, and the rate is compared with this
machine's float64 matrix-product peak, measured on 1024 x 1024 matrices.
"""

from __future__ import annotations

import contextlib
import os
import time

import numpy as np

from gradlab import conv, pooling

REPEATS = 30
ROUNDS = 3  # the libraries take turns this many times (see timed_row)

CONV_SHAPES = [  # x shape, w shape, stride, padding
    ((32, 16, 16, 16), (32, 16, 3, 3), 1, 1),
    ((32, 16, 16, 16), (32, 16, 3, 3), 2, 1),
    ((16, 3, 32, 32), (16, 3, 5, 5), 1, 2),
]
POOL_INPUT = (32, 16, 32, 32)
POOL_SETTINGS = [(2, 2, 0), (3, 2, 1)]  # kernel_size, stride, padding
SOFTMAX_SIZES = [10, 100, 1000, 4000]


def best_time(step, repeats: int = REPEATS) -> float:
    r"""The shortest of ``repeats`` runs of ``step()``, in seconds, after a pause and a warm-up.

    The pause lets the worker threads of the library timed before (OpenBLAS, OpenMP) stop
    spinning, so that they do not compete with this one for the cores.
    """
    time.sleep(0.3)
    step()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - start)
    return best


def blas_threads() -> int:
    r"""How many threads numpy's BLAS uses (threadpoolctl when available, else the cores)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return os.cpu_count() or 1
    blas = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
    return max(blas, default=os.cpu_count() or 1)


def gemm_rate() -> float:
    r"""This machine's float64 matrix-product rate in FLOP/s (best of 5, 1024 x 1024)."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((1024, 1024)), rng.standard_normal((1024, 1024))
    return 2 * 1024 ** 3 / best_time(lambda: a @ b, repeats=5)


def settle_allocator() -> None:
    r"""Allocate and free one large block, as any longer-running program soon does.

    Until a process has freed a large block, glibc hands freed memory straight back to the
    operating system, and the next call of an op faults it in again page by page (on a
    virtual machine, microseconds per page: as long as the convolution itself). Freeing a
    24 MB block raises glibc's thresholds so that both libraries run in the steady state.
    """
    np.empty(3 * 2 ** 20)


def load_torch(threads: int):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


# ----------------------------------------------------------------------------- one step each

def gradlab_step(forward, backward, arrays, dout, **params):
    def step():
        _, cache = forward(*arrays, **params)
        backward(dout, cache)
    return step


def torch_step(torch, function, arrays, dout, **params):
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    dout = torch.tensor(dout)

    def step():
        for t in tensors:
            t.grad = None
        function(*tensors, **params).backward(dout)
    return step


# ----------------------------------------------------------------------------- the tables

def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
    for line in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.rjust(w) if i else cell.ljust(w)
                        for i, (cell, w) in enumerate(zip(line, widths))))
    print()


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f}"


@contextlib.contextmanager
def one_thread(torch):
    r"""Run numpy's BLAS and PyTorch on one thread each, then restore both."""
    from threadpoolctl import threadpool_limits
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        torch.set_num_threads(threads)


def timed_row(name, forward, backward, arrays, dout, torch, torch_name, **params):
    r"""[name, gradlab ms, torch ms, ratio, ratio on one thread] for one forward+backward.

    The one-thread ratio compares the work each library does on a core; the first ratio
    adds how well each spreads that work over the machine's cores. The libraries take turns
    for ``ROUNDS`` rounds and each keeps its best, so that a slow spell of the machine does
    not fall on one library only.
    """
    ours_step = gradlab_step(forward, backward, arrays, dout, **params)
    if torch is None:
        ours = best_time(ours_step)
        return [name, ms(ours), "-", "-", "-"], ours
    theirs_step = torch_step(torch, getattr(torch.nn.functional, torch_name), arrays, dout,
                             **params)
    ours = theirs = ours_one = theirs_one = float("inf")
    for _ in range(ROUNDS):
        ours, theirs = min(ours, best_time(ours_step)), min(theirs, best_time(theirs_step))
        with one_thread(torch):
            ours_one = min(ours_one, best_time(ours_step))
            theirs_one = min(theirs_one, best_time(theirs_step))
    return [name, ms(ours), ms(theirs), f"{ours / theirs:.2f}",
            f"{ours_one / theirs_one:.2f}"], ours


def spatial_table(torch, peak: float) -> None:
    rng = np.random.default_rng(0)
    rows = []
    for x_shape, w_shape, stride, padding in CONV_SHAPES:
        x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
        b = rng.standard_normal(w_shape[0])
        out, _ = conv.conv2d_forward(x, w, b, stride, padding)
        name = f"conv2d x{x_shape} w{w_shape[2:]}x{w_shape[0]} s{stride} p{padding}"
        row, seconds = timed_row(name, conv.conv2d_forward, conv.conv2d_backward, (x, w, b),
                                 rng.standard_normal(out.shape), torch, "conv2d",
                                 stride=stride, padding=padding)
        n, f, out_h, out_w = out.shape
        rate = 3 * 2 * n * f * w_shape[1] * w_shape[2] * w_shape[3] * out_h * out_w / seconds
        rows.append(row + [f"{rate / 1e9:.0f}", f"{rate / peak:.0%}"])
    x = rng.standard_normal(POOL_INPUT)
    for kind in ("max", "avg"):
        forward = getattr(pooling, f"{kind}_pool2d_forward")
        backward = getattr(pooling, f"{kind}_pool2d_backward")
        for kernel_size, stride, padding in POOL_SETTINGS:
            params = dict(kernel_size=kernel_size, stride=stride, padding=padding)
            out, _ = forward(x, **params)
            name = f"{kind}_pool2d x{POOL_INPUT} k{kernel_size} s{stride} p{padding}"
            row, _ = timed_row(name, forward, backward, (x,), rng.standard_normal(out.shape),
                               torch, f"{kind}_pool2d", **params)
            rows.append(row + ["", ""])
    print(f"Forward + backward, float64 (milliseconds, best of {ROUNDS} x {REPEATS})")
    print_table(["op", "gradlab", "torch", "ratio", "ratio, 1 thread", "GFLOP/s", "of peak"],
                rows)


def softmax_table() -> None:
    try:
        from gradlab.softmax import softmax_backward, softmax_forward, softmax_jacobian
    except ImportError:
        print("gradlab.softmax is not available yet: softmax table skipped.\n")
        return
    rng = np.random.default_rng(0)
    rows = []
    for n in SOFTMAX_SIZES:
        z, v = rng.standard_normal(n), rng.standard_normal(n)
        _, cache = softmax_forward(z)
        vjp = best_time(lambda: softmax_backward(v, cache))
        jacobian = best_time(lambda: v @ softmax_jacobian(z), repeats=5 if n > 1000 else REPEATS)
        rows.append([str(n), f"{vjp * 1e6:.1f}", f"{jacobian * 1e6:.1f}", f"{jacobian / vjp:.0f}x"])
    print("Softmax backward for one vector of length n (microseconds)")
    print_table(["n", "VJP s*(v - v.s)", "v @ J (J built)", "VJP faster by"], rows)


def main() -> None:
    settle_allocator()
    threads = blas_threads()  # before importing torch, whose OpenMP threadpoolctl also lists
    torch = load_torch(threads)
    peak = gemm_rate()
    print(f"numpy {np.__version__}, BLAS threads: {threads}, "
          f"float64 GEMM peak (1024^3): {peak / 1e9:.0f} GFLOP/s")
    print(f"PyTorch {torch.__version__}, threads: {torch.get_num_threads()}" if torch is not None
          else "PyTorch not installed: no comparison column (pip install torch==2.13.0 adds it)")
    print()
    spatial_table(torch, peak)
    softmax_table()


if __name__ == "__main__":
    main()

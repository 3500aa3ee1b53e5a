r"""Speed of gradlab's convolution, pooling and softmax backward passes (``make bench``).

Every timing is the best of several repeats after one warm-up call, with
``time.perf_counter``; the best, not the mean, because other processes only ever add time.
Each "forward+backward" row times one forward pass and one backward pass together.

When PyTorch is importable, the same shapes run through ``torch.nn.functional`` in float64
(autograd for the backward pass, as many threads as numpy's BLAS uses) and the ratio
gradlab / torch is printed: below 1 means gradlab is faster. PyTorch is never a dependency;
to compare, install it into the environment by hand (``.venv/bin/pip install torch``).

The convolution rows also report the arithmetic rate: forward, dw and dx each cost
2*N*F*C*HH*WW*H'*W' floating-point operations (one matrix product each), and the rate is
compared with this machine's float64 matrix-product peak, measured on 1024 x 1024 matrices.
"""

from __future__ import annotations

import os
import time

import numpy as np

from gradlab import conv, pooling

REPEATS = 30

CONV_SHAPES = [  # x shape, w shape, stride, padding
    ((32, 16, 16, 16), (32, 16, 3, 3), 1, 1),
    ((32, 16, 16, 16), (32, 16, 3, 3), 2, 1),
    ((16, 3, 32, 32), (16, 3, 5, 5), 1, 2),
]
POOL_INPUT = (32, 16, 32, 32)
POOL_SETTINGS = [(2, 2, 0), (3, 2, 1)]  # kernel_size, stride, padding
SOFTMAX_SIZES = [10, 100, 1000, 4000]


def best_times(*steps, repeats: int = REPEATS) -> list[float]:
    r"""The shortest of ``repeats`` runs of each step, in seconds, after one warm-up run each.

    The steps run in turns (a, b, a, b, ...), so that a burst of load from another
    process slows both sides of a comparison alike.
    """
    for step in steps:
        step()
    best = [float("inf")] * len(steps)
    for _ in range(repeats):
        for i, step in enumerate(steps):
            start = time.perf_counter()
            step()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def blas_threads() -> int:
    try:
        from threadpoolctl import threadpool_info
        return max(info["num_threads"] for info in threadpool_info()) or os.cpu_count() or 1
    except (ImportError, ValueError):
        return os.cpu_count() or 1


def gemm_rate() -> float:
    r"""This machine's float64 matrix-product rate in FLOP/s (best of 5, 1024 x 1024)."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((1024, 1024)), rng.standard_normal((1024, 1024))
    return 2 * 1024 ** 3 / best_times(lambda: a @ b, repeats=5)[0]


def load_torch():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(blas_threads())
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


def spatial_table(torch, peak: float) -> None:
    rng = np.random.default_rng(0)
    rows = []
    for x_shape, w_shape, stride, padding in CONV_SHAPES:
        x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
        b = rng.standard_normal(w_shape[0])
        out, _ = conv.conv2d_forward(x, w, b, stride, padding)
        dout = rng.standard_normal(out.shape)
        steps = [gradlab_step(conv.conv2d_forward, conv.conv2d_backward, (x, w, b), dout,
                              stride=stride, padding=padding)]
        if torch is not None:
            steps.append(torch_step(torch, torch.nn.functional.conv2d, (x, w, b), dout,
                                    stride=stride, padding=padding))
        times = best_times(*steps)
        n, f, out_h, out_w = out.shape
        flops = 3 * 2 * n * f * w_shape[1] * w_shape[2] * w_shape[3] * out_h * out_w
        rate = flops / times[0]
        name = f"conv2d x{x_shape} w{w_shape[2:]}x{w_shape[0]} s{stride} p{padding}"
        rows.append(row(name, *times) + [f"{rate / 1e9:.0f}", f"{rate / peak:.0%}"])
    x = rng.standard_normal(POOL_INPUT)
    for kind in ("max", "avg"):
        forward = getattr(pooling, f"{kind}_pool2d_forward")
        backward = getattr(pooling, f"{kind}_pool2d_backward")
        for kernel_size, stride, padding in POOL_SETTINGS:
            params = dict(kernel_size=kernel_size, stride=stride, padding=padding)
            out, _ = forward(x, **params)
            dout = rng.standard_normal(out.shape)
            steps = [gradlab_step(forward, backward, (x,), dout, **params)]
            if torch is not None:
                function = getattr(torch.nn.functional, f"{kind}_pool2d")
                steps.append(torch_step(torch, function, (x,), dout, **params))
            name = f"{kind}_pool2d x{POOL_INPUT} k{kernel_size} s{stride} p{padding}"
            rows.append(row(name, *best_times(*steps)) + ["", ""])
    print("Forward + backward, float64 (milliseconds, best of %d)" % REPEATS)
    print_table(["op", "gradlab", "torch", "ratio", "GFLOP/s", "of peak"], rows)


def row(name: str, ours: float, theirs: float | None = None) -> list[str]:
    if theirs is None:
        return [name, ms(ours), "-", "-"]
    return [name, ms(ours), ms(theirs), f"{ours / theirs:.2f}"]


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
        vjp, = best_times(lambda: softmax_backward(v, cache))
        jacobian, = best_times(lambda: v @ softmax_jacobian(z), repeats=5 if n > 1000 else REPEATS)
        rows.append([str(n), f"{vjp * 1e6:.1f}", f"{jacobian * 1e6:.1f}", f"{jacobian / vjp:.0f}x"])
    print("Softmax backward for one vector of length n (microseconds)")
    print_table(["n", "VJP s*(v - v.s)", "v @ J (J built)", "VJP faster by"], rows)


def main() -> None:
    torch = load_torch()
    peak = gemm_rate()
    print(f"numpy {np.__version__}, BLAS threads: {blas_threads()}, "
          f"float64 GEMM peak (1024^3): {peak / 1e9:.0f} GFLOP/s")
    print(f"PyTorch {torch.__version__}, threads: {torch.get_num_threads()}" if torch is not None
          else "PyTorch not installed: no comparison column (pip install torch to add it)")
    print()
    spatial_table(torch, peak)
    softmax_table()


if __name__ == "__main__":
    main()

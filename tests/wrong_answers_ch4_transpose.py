r"""Answers a student might write for exercise 4.8, the transposed
convolution by hand (issue 13), in the format of the other
``wrong_answers_*`` modules: wrong ones, each with the phrase its feedback
must contain (``STUDENT_MISTAKES``: registered mistakes written another
way; ``UNREGISTERED``: slips no mistake describes, whose feedback must name
none, nor any of the phrases in ``NAMED``), and correct formulations the
checker must accept (``STUDENT_CORRECT``).

The answer: x (N, F, H', W') and the conv2d kernel w (F, C, HH, WW) give
z (N, C, H_out, W_out), H_out = (H' - 1) S - 2P + HH + output_padding.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from gradlab.conv import conv2d_forward

NAME = "conv_transpose2d"
# A phrase of each registered mistake's message: an unregistered answer's
# feedback must contain none of them.
NAMED = ("rotated by 180 degrees", "the shape without output_padding",
         "the shape of the padded result", "not at (i, j)",
         "channel axes are mixed up", "kernel indices are transposed",
         "only the last one is left")


def _sizes(x, w, stride, padding, output_padding):
    r"""The padded result's rows and columns, output_padding included."""
    return ((x.shape[2] - 1) * stride + w.shape[2] + output_padding,
            (x.shape[3] - 1) * stride + w.shape[3] + output_padding)


def scatter(kernel=lambda w, f: w[f], step=None, row_step=None, extra=None,
            crop=None, per_sample=True, zeroed_x=False, dtype=float,
            first_filter=False, channels=lambda x, w: w.shape[1]):
    r"""The loops of the solution, with a switch per slip: ``crop(z_pad,
    padding, H_out, W_out)`` replaces the crop."""
    def transpose(x, w, stride, padding, output_padding):
        extra_ = output_padding if extra is None else extra(output_padding)
        height, width = _sizes(x, w, stride, padding, extra_)
        hh, ww = w.shape[2:]
        z_pad = np.zeros((x.shape[0], channels(x, w), height, width),
                         dtype=dtype)
        cols_step = stride if step is None else step
        rows_step = cols_step if row_step is None else row_step
        for n in range(x.shape[0]):
            for f in range(1 if first_filter else x.shape[1]):
                for i in range(x.shape[2]):
                    for j in range(x.shape[3]):
                        rows = slice(i * rows_step, i * rows_step + hh)
                        cols = slice(j * cols_step, j * cols_step + ww)
                        into = n if per_sample else slice(None)
                        z_pad[into, :, rows, cols] += x[n, f, i, j] * kernel(w, f)
                        if zeroed_x:
                            x[n, f, i, j] = 0.0     # "used up"
        out_h = height - 2 * padding
        out_w = width - 2 * padding
        if crop is not None:
            return crop(z_pad, padding, out_h, out_w)
        return z_pad[:, :, padding:padding + out_h, padding:padding + out_w]
    return transpose


def assigning(x, w, stride, padding, output_padding):
    r"""``=`` where ``+=`` belongs."""
    height, width = _sizes(x, w, stride, padding, output_padding)
    hh, ww = w.shape[2:]
    z_pad = np.zeros((x.shape[0], w.shape[1], height, width))
    for n, f, i, j in np.ndindex(x.shape):
        z_pad[n, :, i * stride:i * stride + hh,
              j * stride:j * stride + ww] = x[n, f, i, j] * w[f]
    p = padding
    return z_pad[:, :, p:height - p, p:width - p]


def w_read_as_c_f(x, w, stride, padding, output_padding):
    r"""w taken as (C, F, HH, WW): as many result channels as w.shape[0],
    kernel w[c, f] from channel f to channel c."""
    height, width = _sizes(x, w, stride, padding, output_padding)
    hh, ww = w.shape[2:]
    z_pad = np.zeros((x.shape[0], w.shape[0], height, width))
    for n, f, i, j in np.ndindex(x.shape):
        for c in range(w.shape[0]):
            rows = slice(i * stride, i * stride + hh)
            cols = slice(j * stride, j * stride + ww)
            z_pad[n, c, rows, cols] += x[n, f, i, j] * w[c, f]
    p = padding
    return z_pad[:, :, p:height - p, p:width - p]


def dilate(x, stride):
    spread = np.zeros(x.shape[:2] + ((x.shape[2] - 1) * stride + 1,
                                     (x.shape[3] - 1) * stride + 1))
    spread[:, :, ::stride, ::stride] = x
    return spread


def full_correlation(rotate=True, dilation=True, late_output_padding=False):
    r"""Dilate x, pad it by HH - 1 and WW - 1, cross-correlate with the
    rotated kernel (the full convolution), add output_padding, crop."""
    def transpose(x, w, stride, padding, output_padding):
        hh, ww = w.shape[2:]
        spread = dilate(x, stride) if dilation else x
        spread = np.pad(spread, ((0, 0), (0, 0), (hh - 1, hh - 1),
                                 (ww - 1, ww - 1)))
        kernel = w[:, :, ::-1, ::-1] if rotate else w
        view = sliding_window_view(spread, (hh, ww), axis=(2, 3))
        full = np.einsum("nfpquv,fcuv->ncpq", view, kernel)
        p, o = padding, output_padding
        if late_output_padding:                  # zeros after the crop
            cropped = full[:, :, p:full.shape[2] - p, p:full.shape[3] - p]
            return np.pad(cropped, ((0, 0), (0, 0), (0, o), (0, o)))
        full = np.pad(full, ((0, 0), (0, 0), (0, o), (0, o)))
        return full[:, :, p:full.shape[2] - p, p:full.shape[3] - p]
    return transpose


def by_offsets(kernel_axes="fc", output_padding_first=False):
    r"""One einsum per kernel offset (u, v), added on a strided slice."""
    def transpose(x, w, stride, padding, output_padding):
        height, width = _sizes(x, w, stride, padding, output_padding)
        z_pad = np.zeros((x.shape[0], w.shape[1], height, width))
        rows_in, cols_in = x.shape[2:]
        top = output_padding if output_padding_first else 0
        for u in range(w.shape[2]):
            for v in range(w.shape[3]):
                part = np.einsum(f"nfij,{kernel_axes}->ncij", x,
                                 w[:, :, u, v])
                z_pad[:, :, top + u:top + u + (rows_in - 1) * stride + 1:stride,
                      top + v:top + v + (cols_in - 1) * stride + 1:stride] \
                    += part
        p = padding
        return z_pad[:, :, p:height - p, p:width - p]
    return transpose


def with_add_at(step_of=lambda stride: stride):
    r"""np.add.at with the index of every (sample, position, offset)."""
    def transpose(x, w, stride, padding, output_padding):
        height, width = _sizes(x, w, stride, padding, output_padding)
        n_samples, _, rows_in, cols_in = x.shape
        hh, ww = w.shape[2:]
        step = step_of(stride)
        z_pad = np.zeros((n_samples, height, width, w.shape[1]))
        values = np.einsum("nfij,fcuv->nijuvc", x, w)
        n, i, j, u, v = np.indices((n_samples, rows_in, cols_in, hh, ww))
        np.add.at(z_pad, (n, i * step + u, j * step + v), values)
        p = padding
        return z_pad.transpose(0, 3, 1, 2)[:, :, p:height - p, p:width - p]
    return transpose


def by_gather(x, w, stride, padding, output_padding):
    r"""Entry by entry: z(p, q) collects every (i, u) with i*S + u = p."""
    height, width = _sizes(x, w, stride, padding, output_padding)
    n_samples, _, rows_in, cols_in = x.shape
    hh, ww = w.shape[2:]
    z = np.zeros((n_samples, w.shape[1], height - 2 * padding,
                  width - 2 * padding))
    for p in range(z.shape[2]):
        for q in range(z.shape[3]):
            for i in range(rows_in):
                for j in range(cols_in):
                    u = p + padding - i * stride
                    v = q + padding - j * stride
                    if 0 <= u < hh and 0 <= v < ww:
                        z[:, :, p, q] += x[:, :, i, j] @ w[:, :, u, v]
    return z


def by_the_adjoint(x, w, stride, padding, output_padding):
    r"""The matrix of conv2d, column by column, then its transpose times x."""
    height, width = _sizes(x, w, stride, padding, output_padding)
    shape = (w.shape[1], height - 2 * padding, width - 2 * padding)
    size = int(np.prod(shape))
    basis = np.eye(size).reshape((size,) + shape)
    columns = conv2d_forward(basis, w, None, stride, padding)[0]
    matrix = columns.reshape(size, -1).T       # conv2d(a) = matrix @ a
    flat = x.reshape(x.shape[0], -1) @ matrix
    return flat.reshape((x.shape[0],) + shape)


# ---------------------------------------------- unregistered, by hand

def _crop_from(start):
    return lambda z_pad, p, h, w: z_pad[:, :, start(p):start(p) + h,
                                        start(p):start(p) + w]


def negative_slice_crop(z_pad, p, out_h, out_w):
    r"""z_pad[p:-p] is empty when p = 0."""
    return z_pad[:, :, p:-p, p:-p]


def output_padding_on_top(x, w, stride, padding, output_padding):
    r"""The output_padding rows go first, at the top and on the left."""
    return by_offsets(output_padding_first=True)(x, w, stride, padding,
                                                 output_padding)


_kept = {}


def reuses_its_buffer(x, w, stride, padding, output_padding):
    r"""One z_pad per shape, kept between calls and never cleared."""
    height, width = _sizes(x, w, stride, padding, output_padding)
    key = (x.shape, w.shape, stride, padding, output_padding)
    z_pad = _kept.setdefault(key, np.zeros((x.shape[0], w.shape[1], height,
                                            width)))
    hh, ww = w.shape[2:]
    for n, f, i, j in np.ndindex(x.shape):
        z_pad[n, :, i * stride:i * stride + hh,
              j * stride:j * stride + ww] += x[n, f, i, j] * w[f]
    p = padding
    return z_pad[:, :, p:height - p, p:width - p].copy()


def transposed_output(x, w, stride, padding, output_padding):
    return scatter()(x, w, stride, padding, output_padding).transpose(
        0, 1, 3, 2)


def in_float32(x, w, stride, padding, output_padding):
    return scatter(dtype=np.float32)(x, w, stride, padding, output_padding)


def transposed_kernel_axes(x, w, stride, padding, output_padding):
    r"""einsum with w read as (C, F): fails unless F == C."""
    return by_offsets(kernel_axes="cf")(x, w, stride, padding,
                                        output_padding)


def cropped_to_the_size_without_output_padding(x, w, stride, padding,
                                               output_padding):
    r"""The padded result has the output_padding rows, but the crop keeps
    (H' - 1) S - 2P + HH of them."""
    height, width = _sizes(x, w, stride, padding, output_padding)
    z_pad = scatter(crop=lambda z, p, h, w: z)(x, w, stride, padding,
                                               output_padding)
    p, o = padding, output_padding
    return z_pad[:, :, p:height - p - o, p:width - p - o]


STUDENT_MISTAKES = [
    (NAME, full_correlation(rotate=False), "rotated by 180 degrees"),
    (NAME, scatter(kernel=lambda w, f: np.rot90(w[f], 2, axes=(1, 2))),
     "rotated by 180 degrees"),
    (NAME, scatter(extra=lambda o: 0), "the shape without output_padding"),
    (NAME, lambda x, w, s, p, o: full_correlation()(x, w, s, p, 0),
     "the shape without output_padding"),
    (NAME, scatter(crop=lambda z_pad, p, h, w: z_pad),
     "the shape of the padded result"),
    (NAME, cropped_to_the_size_without_output_padding,
     "the shape without output_padding"),
    (NAME, scatter(step=1), "not at (i, j)"),
    (NAME, with_add_at(step_of=lambda stride: 1), "not at (i, j)"),
    (NAME, w_read_as_c_f, "channel axes are mixed up"),
    (NAME, scatter(kernel=lambda w, f: np.swapaxes(w[f], 1, 2)),
     "kernel indices are transposed"),
    (NAME, assigning, "only the last one is left"),
]

UNREGISTERED = [
    (NAME, scatter(crop=_crop_from(lambda p: p + 1)), "expected shape", NAMED),
    (NAME, scatter(crop=negative_slice_crop), "got (2, 2, 0, 0)", NAMED),
    (NAME, output_padding_on_top, "entry", NAMED),
    (NAME, full_correlation(late_output_padding=True), "entry", NAMED),
    (NAME, reuses_its_buffer, "keep something from an earlier call", NAMED),
    (NAME, transposed_output, "expected shape", NAMED),
    (NAME, in_float32, "dtype float32", NAMED),
    (NAME, scatter(per_sample=False), "entry", NAMED),
    (NAME, scatter(zeroed_x=True), "changed its input x in place", NAMED),
    (NAME, scatter(first_filter=True), "entry", NAMED),
    (NAME, scatter(row_step=1), "entry", NAMED),
    (NAME, transposed_kernel_axes, "raised ValueError", NAMED),
    (NAME, scatter(channels=lambda x, w: x.shape[1]), "raised ValueError",
     NAMED),
    (NAME, scatter(extra=lambda o: 0, crop=lambda z_pad, p, h, w: z_pad),
     "the size before the crop", NAMED),
]

STUDENT_CORRECT = [
    (NAME, scatter()),
    (NAME, full_correlation()),
    (NAME, by_offsets()),
    (NAME, with_add_at()),
    (NAME, by_gather),
    (NAME, by_the_adjoint),
]

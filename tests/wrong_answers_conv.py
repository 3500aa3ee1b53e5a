r"""Answers a student might write for chapter 4 (convolution): wrong ones, each
with the phrase its feedback must contain (``STUDENT_MISTAKES``:
registered mistakes written another way; ``UNREGISTERED``: slips no
mistake describes, whose feedback must name none), and correct
formulations the checkers must accept (``STUDENT_CORRECT``)."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def pad(x, p):
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))


def windows_of(x_p, w, step, out_shape):
    r"""windows[n, t, i, j, m, l] = x_p[n, t, i*step + m, j*step + l] (numpy slicing view)."""
    view = sliding_window_view(x_p, w.shape[2:], axis=(2, 3))
    return view[:, :, ::step, ::step][:, :, :out_shape[2], :out_shape[3]]


def dw_einsum(step=None, flip=False):
    def dw(dout, x, w, stride, padding):
        windows = windows_of(pad(x, padding), w, stride if step is None else step, dout.shape)
        if flip:
            windows = windows[..., ::-1, ::-1]
        return np.einsum("nkij,ntijml->ktml", dout, windows)
    return dw


def dilate(dout, stride):
    spread = np.zeros(dout.shape[:2] + ((dout.shape[2] - 1) * stride + 1,
                                        (dout.shape[3] - 1) * stride + 1))
    spread[:, :, ::stride, ::stride] = dout
    return spread


def dx_recipe(rotate=True, dilation=True):
    r"""The chapter's recipe: dilate, pad by kernel - 1, correlate with rot180(w), crop."""
    def dx(dout, x, w, stride, padding):
        hh, ww = w.shape[2:]
        spread = dilate(dout, stride) if dilation else dout
        spread = np.pad(spread, ((0, 0), (0, 0), (hh - 1, hh - 1), (ww - 1, ww - 1)))
        kernel = w[:, :, ::-1, ::-1] if rotate else w
        view = sliding_window_view(spread, (hh, ww), axis=(2, 3))
        full = np.einsum("nkpqml,ktml->ntpq", view, kernel)
        dx_p = np.zeros(pad(x, padding).shape)
        rows, cols = min(full.shape[2], dx_p.shape[2]), min(full.shape[3], dx_p.shape[3])
        dx_p[:, :, :rows, :cols] = full[:, :, :rows, :cols]
        return dx_p[:, :, padding:padding + x.shape[2], padding:padding + x.shape[3]]
    return dx


def dx_loops(kernel_of=lambda w, k: w[k], first_only=False, assign=False, crop=True):
    def dx(dout, x, w, stride, padding):
        dx_p = np.zeros(pad(x, padding).shape)
        hh, ww = w.shape[2:]
        for n in range(dout.shape[0]):
            for f in range(dout.shape[1]):
                for a in range(1 if first_only else dout.shape[2]):
                    for c in range(1 if first_only else dout.shape[3]):
                        region = (n, slice(None), slice(a * stride, a * stride + hh),
                                  slice(c * stride, c * stride + ww))
                        if assign:
                            dx_p[region] = dout[n, f, a, c] * kernel_of(w, f)
                        else:
                            dx_p[region] += dout[n, f, a, c] * kernel_of(w, f)
        if not crop:
            return dx_p
        return dx_p[:, :, padding:dx_p.shape[2] - padding, padding:dx_p.shape[3] - padding]
    return dx


def dw_loops_assigning(dout, x, w, stride, padding):
    x_p, dw = pad(x, padding), np.zeros(w.shape)
    hh, ww = w.shape[2:]
    for n in range(dout.shape[0]):
        for f in range(dout.shape[1]):
            for a in range(dout.shape[2]):
                for c in range(dout.shape[3]):
                    dw[f] = dout[n, f, a, c] * x_p[n, :, a * stride:a * stride + hh,
                                                  c * stride:c * stride + ww]
    return dw


def dw_loops_channel_first(dout, x, w, stride, padding):
    x_p, dw = pad(x, padding), np.zeros(w.shape)
    hh, ww = w.shape[2:]
    for n in range(dout.shape[0]):
        for f in range(dout.shape[1]):
            for a in range(dout.shape[2]):
                for c in range(dout.shape[3]):
                    for t in range(x.shape[1]):
                        dw[t, f, :, :] += dout[n, f, a, c] * x_p[n, t, a * stride:a * stride + hh,
                                                                c * stride:c * stride + ww]
    return dw


def dw_filter_slice(dout, x, w, stride, padding):
    x_p, dw = pad(x, padding), np.zeros(w.shape)
    hh, ww = w.shape[2:]
    for n, f, a, c in np.ndindex(*dout.shape):
        dw[:, f] += dout[n, f, a, c] * x_p[n, :, a * stride:a * stride + hh,
                                          c * stride:c * stride + ww]
    return dw


def jacobian_by_convolving_basis(transpose=False, periodic=False):
    r"""Column j = the response of np.convolve to the unit vector e_j."""
    def jacobian(w, length):
        r = (len(w) - 1) // 2
        columns = []
        for e in np.eye(length):
            if periodic:
                full = np.convolve(np.concatenate([e[-r:], e, e[:r]]), w, mode="valid")
            else:
                full = np.convolve(e, w, mode="full")[r:r + length]
            columns.append(full)
        jac = np.array(columns).T
        return jac.T if transpose else jac
    return jacobian


def jacobian_uncentred(w, length):
    jac = np.zeros((length, length))
    for i in range(length):
        for j in range(length):
            if 0 <= i - j < len(w):
                jac[i, j] = w[i - j]
    return jac


STUDENT_MISTAKES = [
    # 4.1: the 1-D Jacobian
    ("conv1d_jacobian", jacobian_by_convolving_basis(transpose=True),
     "the Jacobian of the cross-correlation"),
    ("conv1d_jacobian", jacobian_by_convolving_basis(periodic=True),
     "the band does not wrap around"),
    ("conv1d_jacobian", jacobian_uncentred, "the band is shifted off the diagonal"),
    # 4.2: db
    ("conv2d_db", lambda dout: np.sum(dout[:, :, 0, 0], axis=0),
     "comes from the output position (0, 0) only"),
    ("conv2d_db", lambda dout: dout.sum(axis=(1, 2, 3)), "kept one number per sample"),
    ("conv2d_db", lambda dout: dout.sum(axis=-1).sum(axis=-1), "you kept the batch axis"),
    ("conv2d_db", lambda dout: dout.sum(axis=0), "but not over the positions"),
    ("conv2d_db", lambda dout: np.mean(dout, axis=(0, 2, 3)), "db is a mean"),
    ("conv2d_db", lambda dout: dout[0].sum(axis=(-2, -1)), "db holds the first sample only"),
    # 4.3: dw
    ("conv2d_dw", dw_einsum(step=1), "not at (i, j)"),
    ("conv2d_dw", dw_einsum(flip=True), "your dw is rotated by 180 degrees"),
    ("conv2d_dw", dw_loops_assigning, "overwrites what earlier positions added"),
    ("conv2d_dw", lambda dout, x, w, s, p: np.einsum("nkij,ntijml->tkml", dout,
                                                     windows_of(pad(x, p), w, s, dout.shape)),
     "yours is (C, F, HH, WW)"),
    ("conv2d_dw", dw_loops_channel_first, "not dw[c, f]"),
    ("conv2d_dw", dw_filter_slice,
     "dw[:, f] is channel f of every filter"),
    ("conv2d_dw", lambda dout, x, w, s, p: dw_einsum()(dout, x, w, s, p) / x.shape[0],
     "dw is divided by N"),
    ("conv2d_dw", lambda dout, x, w, s, p: np.einsum(
        "nk,ntml->ktml", dout[:, :, 0, 0], pad(x, p)[:, :, :w.shape[2], :w.shape[3]]),
     "comes from the output position (0, 0) only"),
    # 4.4: dx
    ("conv2d_dx", dx_recipe(rotate=False), "the kernel is flipped the wrong way"),
    ("conv2d_dx", dx_loops(kernel_of=lambda w, k: w[k, :, ::-1, ::-1]),
     "the kernel is flipped the wrong way"),
    ("conv2d_dx", dx_recipe(dilation=False), "not at (i, j)"),
    ("conv2d_dx", dx_loops(first_only=True), "only the window of output (0, 0)"),
    ("conv2d_dx", dx_loops(assign=True), "overwrites what earlier positions added"),
    ("conv2d_dx", dx_loops(kernel_of=lambda w, k: np.swapaxes(w[k], 1, 2)),
     "the kernel indices are transposed"),
    ("conv2d_dx", dx_loops(kernel_of=lambda w, k: w[:, k]), "w[:, f] is channel f"),
    ("conv2d_dx", dx_loops(crop=False), "your dx has the shape of the padded input"),
]


STUDENT_CORRECT = [
    ("conv1d_jacobian", jacobian_by_convolving_basis()),
    ("conv2d_db", lambda dout: np.einsum("nkij->k", dout)),
    ("conv2d_dw", dw_einsum()),
    ("conv2d_dx", dx_recipe()),
    ("conv2d_dx", dx_loops()),
]




def dx_recipe_without_zero_fill(dout, x, w, stride, padding):
    r"""Dilate, pad, correlate with rot180(w), crop: but the rows and
    columns no window reaches are never added back."""
    hh, ww = w.shape[2:]
    spread = np.pad(dilate(dout, stride),
                    ((0, 0), (0, 0), (hh - 1, hh - 1), (ww - 1, ww - 1)))
    view = sliding_window_view(spread, (hh, ww), axis=(2, 3))
    full = np.einsum("nkpqml,ktml->ntpq", view, w[:, :, ::-1, ::-1])
    return full[:, :, padding:full.shape[2] - padding,
                padding:full.shape[3] - padding]


def dx_recipe_truncated(dout, x, w, stride, padding):
    r"""The same, cropped with a slice that silently stops at the end."""
    return dx_recipe_without_zero_fill(dout, x, w, stride, 0)[
        :, :, padding:padding + x.shape[2], padding:padding + x.shape[3]]


def dx_cropped_on_one_side(dout, x, w, stride, padding):
    return dx_loops(crop=False)(dout, x, w, stride, padding)[
        :, :, padding:, padding:]


def db_float32(dout):
    return dout.sum(axis=(0, 2, 3)).astype(np.float32)


def dw_without_padding(dout, x, w, stride, padding):
    return dw_einsum()(dout, np.pad(x, ((0, 0), (0, 0), (0, 2 * padding),
                                        (0, 2 * padding))), w, stride, 0)


UNREGISTERED = [
    ("conv2d_dw", dw_without_padding, "padding 1, entry"),
    ("conv2d_db", lambda dout: dout.sum(axis=(0, 2, 3)) / len(dout), "entry"),
    ("conv2d_dx", lambda dout, x, w, s, p: dx_loops(crop=False)(
        dout, x, w, s, p)[:, :, p:-p, p:-p], "got (2, 2, 0, 0)"),
    ("conv2d_dx", dx_recipe_without_zero_fill, "got (1, 1, 7, 9)"),
    ("conv2d_dx", dx_recipe_truncated, "expected shape (2, 3, 8, 10), got "
     "(2, 3, 7, 9).\nRows and columns of x that no window reaches"),
    ("conv2d_dx", dx_cropped_on_one_side, "expected shape"),
    ("conv2d_db", db_float32, "values of dtype float32"),
    ("conv2d_dw", lambda dout, x, w, s, p: dw_einsum()(
        dout[:1], x[:1], w, s, p), "entry"),
    ("conv2d_dw", lambda dout, x, w, s, p: dw_einsum()(
        dout, x, w, s, p)[:, :, ::-1], "entry"),
    ("conv1d_jacobian", lambda w, length: np.flipud(
        jacobian_by_convolving_basis()(w, length)), "entry"),
]

STUDENT_MISTAKES += [
    ("conv1d_jacobian", lambda w, length: np.array([
        np.convolve(e, w, mode="full")[:length] for e in np.eye(length)]).T,
     "the band is shifted off the diagonal"),
]
UNREGISTERED += [
    ("conv1d_jacobian", lambda w, length: jacobian_by_convolving_basis()(
        w, length) / len(w), "on a kernel of length 3 and L = 6, entry"),
]


def dx_channel_filter_swapped(dout, x, w, stride, padding):
    dx_p = pad(np.zeros(x.shape), padding)
    hh, ww = w.shape[2:]
    for n, f, a, c in np.ndindex(*dout.shape):
        for t in range(x.shape[1]):
            dx_p[n, t, a * stride:a * stride + hh,
                 c * stride:c * stride + ww] += dout[n, f, a, c] * w[t, f]
    return dx_p[:, :, padding:padding + x.shape[2],
                padding:padding + x.shape[3]]


STUDENT_MISTAKES += [
    ("conv2d_dx", dx_channel_filter_swapped, "w[f, c], not w[c, f]"),
]

r"""The red team's answers for every chapter (issue 10): wrong answers the
checkers were not told about, and correct formulations they must accept.

Each wrong answer gives the phrase its feedback must contain (a tuple:
every phrase) and, for ``UNREGISTERED``, the phrases it must not contain:
mistakes the answer did not make. A stateful answer is built fresh by
calling its factory here.
"""

import numpy as np


NEW_DICT = "model.params is a new dict"


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# ----------------------------------------- state the re-run cannot see

def relu_mask_cached_by_shape():
    masks = {}

    def relu_backward(dout, x):
        mask = masks.setdefault(x.shape, x > 0)
        return dout * mask
    return relu_backward


def tanh_slope_cached_by_shape():
    def tanh_backward(dout, h, _slopes={}):
        slope = _slopes.setdefault(h.shape, 1 - h ** 2)
        return dout * slope
    return tanh_backward


def linear_xT_cached_by_shape():
    cached = {}

    def linear_backward(dout, x, w):
        xt = cached.setdefault(x.shape, x.T.copy())
        return dout @ w.T, xt @ dout, dout.sum(axis=0)
    return linear_backward


def dw_padded_input_cached_by_shape():
    cached = {}

    def conv2d_dw(dout, x, w, stride, padding):
        key = (x.shape, padding)
        xp = cached.setdefault(key, np.pad(
            x, ((0, 0), (0, 0), (padding, padding), (padding, padding))))
        hh, ww = w.shape[2:]
        dw = np.zeros_like(w)
        for n, f, i, j in np.ndindex(dout.shape):
            r, c = i * stride, j * stride
            dw[f] += dout[n, f, i, j] * xp[n, :, r:r + hh, c:c + ww]
        return dw
    return conv2d_dw


def sgd_batch_cached_by_shape():
    batches = {}

    def sgd_step(model, loss_fn, x, y, learning_rate):
        xb = batches.setdefault(x.shape, x.copy())
        model.zero_grad()
        loss = loss_fn.forward(model.forward(xb), y)
        model.backward(loss_fn.backward())
        for layer in model.layers:
            for key in layer.params:
                layer.params[key] -= learning_rate * layer.grads[key]
        return loss
    return sgd_step


# ------------------------------------------------- tiny perturbations

def dx_perturbed(dout, x, w, stride, padding):
    from gradlab.conv import conv2d_backward, conv2d_forward
    cache = conv2d_forward(x, w, np.zeros(w.shape[0]), stride, padding)[1]
    return conv2d_backward(dout, cache)[0] * (1 + 1e-6)


def linear_db_perturbed(dout, x, w):
    return dout @ w.T, x.T @ dout, dout.sum(axis=0) * (1 + 1e-6)


def sgd_rate_perturbed(model, loss_fn, x, y, learning_rate):
    model.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    for layer in model.layers:
        for key in layer.params:
            layer.params[key] -= learning_rate * (1 + 1e-6) * \
                layer.grads[key]
    return loss


def probs_epsilon(p, y):
    t = np.eye(p.shape[1])[y]
    return -t / (len(y) * (p + 1e-8))


# --------------------------------------------------- in place, rebinding

def sgd_normalises_x_in_place(model, loss_fn, x, y, learning_rate):
    x -= x.mean()
    model.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    for layer in model.layers:
        for key in layer.params:
            layer.params[key] -= learning_rate * layer.grads[key]
    return loss


def sgd_rebinds_arrays(model, loss_fn, x, y, learning_rate):
    model.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    for layer in model.layers:
        for key in list(layer.params):
            layer.params[key] = layer.params[key] - \
                learning_rate * layer.grads[key]
    return loss


def sgd_reverse_layer_order(model, loss_fn, x, y, learning_rate):
    model.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    for layer in reversed(model.layers):
        for key in sorted(layer.params, reverse=True):
            layer.params[key] -= learning_rate * layer.grads[key]
    return float(loss)


# ----------------------------------------- partial attempt, odd returns

def max2d_padding_not_handled(dout, x, kernel_size, stride, padding):
    if padding != (0, 0):
        raise NotImplementedError("padding is not handled yet")
    (kh, kw), (sh, sw) = kernel_size, stride
    dx = np.zeros_like(x)
    for n, c, i, j in np.ndindex(dout.shape):
        win = x[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
        u, v = np.unravel_index(np.argmax(win), win.shape)
        dx[n, c, i * sh + u, j * sw + v] += dout[n, c, i, j]
    return dx


def max1d_window_end_not_offset(dout, x, kernel_size, stride):
    dx = np.zeros_like(x)
    for n, c, i in np.ndindex(dout.shape):
        j = i * stride + np.argmax(x[n, c, i * stride:kernel_size])
        dx[n, c, j] += dout[n, c, i]
    return dx


def max2d_ties_split(dout, x, kernel_size, stride, padding):
    (kh, kw), (sh, sw), (ph, pw) = kernel_size, stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)),
                constant_values=-np.inf)
    dxp = np.zeros_like(xp)
    for n, c, i, j in np.ndindex(dout.shape):
        rows = slice(i * sh, i * sh + kh)
        cols = slice(j * sw, j * sw + kw)
        win = xp[n, c, rows, cols]
        hits = win == win.max()
        dxp[n, c, rows, cols] += hits * dout[n, c, i, j] / hits.sum()
    return dxp[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]]


def softmax_nan_to_num(z):
    e = np.exp(z)
    return np.nan_to_num(e / e.sum(axis=1, keepdims=True))


def ce_unstable(logits, y):
    e = np.exp(logits)
    p = e / e.sum(axis=1, keepdims=True)
    return -np.mean(np.log(p[np.arange(len(y)), y]))


def relu_flattened(dout, x):
    return (dout * (x > 0)).ravel()


def tanh_tuple_of_rows(dout, h):
    return tuple(dout * (1 - h ** 2))


def jacobian_int_matrix(length, kernel_size, stride):
    rows = (length - kernel_size) // stride + 1
    jac = np.zeros((rows, length), dtype=int)
    for i in range(rows):
        jac[i, i * stride:i * stride + kernel_size] = 1.0 / kernel_size
    return jac


def accuracy_float32_message(logits, y):
    return np.float32(np.mean(np.argmax(logits, axis=1) == y))


def mlp_float32(params, x, y):
    a = x @ params["W1"] + params["b1"]
    h = np.tanh(a).astype(np.float32)
    p = _softmax(h @ params["W2"].astype(np.float32) +
                 params["b2"].astype(np.float32))
    dz = (p - np.eye(p.shape[1], dtype=np.float32)[y]) / len(y)
    da = dz @ params["W2"].T.astype(np.float32) * (1 - h ** 2)
    return {"W1": x.astype(np.float32).T @ da, "b1": da.sum(axis=0),
            "W2": h.T @ dz, "b2": dz.sum(axis=0)}


def mlp_with_loss_key(params, x, y):
    a = x @ params["W1"] + params["b1"]
    h = np.tanh(a)
    p = _softmax(h @ params["W2"] + params["b2"])
    dz = (p - np.eye(p.shape[1])[y]) / len(y)
    da = dz @ params["W2"].T * (1 - h ** 2)
    loss = -np.mean(np.log(p[np.arange(len(y)), y]))
    return {"loss": loss, "W1": x.T @ da, "b1": da.sum(axis=0),
            "W2": h.T @ dz, "b2": dz.sum(axis=0)}


# ------------------- state keyed on a shape, built from an int input
# (the re-run "in another order" permutes float arrays only, so a cache
# built from the integer labels y is never exposed)

def probs_onehot_cached_by_shape():
    cached = {}

    def ce_grad_probs(p, y):
        t = cached.setdefault(p.shape, np.eye(p.shape[1])[y])
        return -t / (len(y) * p)
    return ce_grad_probs


def mlp_onehot_cached_by_shape():
    cached = {}

    def mlp_gradients(params, x, y):
        a = x @ params["W1"] + params["b1"]
        h = np.tanh(a)
        p = _softmax(h @ params["W2"] + params["b2"])
        t = cached.setdefault(p.shape, np.eye(p.shape[1])[y])
        dz = (p - t) / len(y)
        da = dz @ params["W2"].T * (1 - h ** 2)
        return {"W1": x.T @ da, "b1": da.sum(axis=0), "W2": h.T @ dz,
                "b2": dz.sum(axis=0)}
    return mlp_gradients


def mlp_w2t_cached_by_shape():
    cached = {}

    def mlp_gradients(params, x, y):
        w2t = cached.setdefault(params["W2"].shape, params["W2"].T.copy())
        a = x @ params["W1"] + params["b1"]
        h = np.tanh(a)
        p = _softmax(h @ params["W2"] + params["b2"])
        dz = (p - np.eye(p.shape[1])[y]) / len(y)
        da = dz @ w2t * (1 - h ** 2)
        return {"W1": x.T @ da, "b1": da.sum(axis=0), "W2": h.T @ dz,
                "b2": dz.sum(axis=0)}
    return mlp_gradients


def accuracy_labels_cached_by_size():
    cached = {}

    def accuracy(logits, y):
        labels = cached.setdefault(logits.shape, y.copy())
        return float(np.mean(np.argmax(logits, axis=1) == labels))
    return accuracy


def dx_sized_from_dout(dout, x, w, stride, padding):
    hh, ww = w.shape[2:]
    oh, ow = dout.shape[2:]
    dxp = np.zeros((x.shape[0], x.shape[1], (oh - 1) * stride + hh,
                    (ow - 1) * stride + ww))
    for n, f, i, j in np.ndindex(dout.shape):
        r, c = i * stride, j * stride
        dxp[n, :, r:r + hh, c:c + ww] += dout[n, f, i, j] * w[f]
    return dxp[:, :, padding:dxp.shape[2] - padding,
               padding:dxp.shape[3] - padding]


# ------------------------------- thresholds no case comes close enough to

def relu_threshold(dout, x):
    return dout * (x > 1e-6)


def max2d_isclose_first(dout, x, kernel_size, stride, padding):
    (kh, kw), (sh, sw), (ph, pw) = kernel_size, stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)),
                constant_values=-np.inf)
    dxp = np.zeros_like(xp)
    for n, c, i, j in np.ndindex(dout.shape):
        win = xp[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
        first = np.flatnonzero(np.isclose(win, win.max()))[0]
        u, v = np.unravel_index(first, win.shape)
        dxp[n, c, i * sh + u, j * sw + v] += dout[n, c, i, j]
    return dxp[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]]


class _Unconvertible:
    r"""A result whose conversion to an array raises."""

    def __array__(self, *args, **kwargs):
        raise RuntimeError("cannot convert")


def sgd_unconvertible_loss(model, loss_fn, x, y, learning_rate):
    model.zero_grad()
    loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    for layer in model.layers:
        for key in layer.params:
            layer.params[key] -= learning_rate * layer.grads[key]
    return _Unconvertible()


def sgd_zero_grad_after_backward(model, loss_fn, x, y, learning_rate):
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    model.zero_grad()
    for layer in model.layers:
        for key in layer.params:
            layer.params[key] -= learning_rate * layer.grads[key]
    return loss


def softmax_flattened(z):
    return _softmax(z).ravel()


# ------------- the same exception text from a different line is not the
# same mistake (Raised equality compares type and text, not the line)

def linear_dx_uses_x(dout, x, w):
    dx = dout @ x
    return dx, x.T @ dout, dout.sum(axis=0)


def mlp_back_through_w1(params, x, y):
    a = x @ params["W1"] + params["b1"]
    h = np.tanh(a)
    p = _softmax(h @ params["W2"] + params["b2"])
    dz = (p - np.eye(p.shape[1])[y]) / len(y)
    dh = dz @ params["W1"].T
    da = dh * (1 - h ** 2)
    return {"W1": x.T @ da, "b1": da.sum(axis=0), "W2": h.T @ dz,
            "b2": dz.sum(axis=0)}


# ------- the "another order" case feeds inputs that break their invariant
# (s and probs are permuted across rows, so rows no longer sum to 1)

def vjp_renormalised(dout, s):
    s = s / s.sum(axis=1, keepdims=True)
    return s * (dout - np.sum(dout * s, axis=1, keepdims=True))


def probs_renormalised(p, y):
    p = p / p.sum(axis=1, keepdims=True)
    return -np.eye(p.shape[1])[y] / (len(y) * p)


STUDENT_MISTAKES = [
]

UNREGISTERED = [
    # caches the mask x > 0 per shape in a module-level dict: every later
    # call with an input of the same shape reuses the first input's mask.
    # Every case has its own shape and the re-run of case 0 gets the same
    # x, so the stale mask never shows
    ('relu_backward',
     relu_mask_cached_by_shape(),
     'on the inputs of feature maps of '
     'N=2, C=3, H=4, W=5 in another order, entry'),
    # caches the slope 1 - h**2 per shape (default-argument dict): stale
    # for a second h of the same shape
    ('tanh_backward',
     tanh_slope_cached_by_shape(),
     'on the inputs of a batch of N=4, M=6 in another order, entry'),
    # caches x.T per shape: a later batch of the same shape gets the first
    # batch's dw
    ('linear_backward',
     linear_xT_cached_by_shape(),
     'on the inputs of a batch of N=4, D=3, M=5 in another order, entry'),
    # caches the padded input per shape: a later x of the same shape gets
    # the first x's windows
    ('conv2d_dw',
     dw_padded_input_cached_by_shape(),
     'on the inputs of x of shape (2, 2, 7, 9) (N, C, H, W), w of shape '
     '(3, 2, 3, 3) (F, C, HH, WW), stride 2, padding 0 in another '
     'order, entry'),
    # keeps the first batch of each shape (a cached, 'normalised' copy): a
    # later batch of the same size trains on the old data. Every case has
    # its own N, and the three steps reuse one x
    ('sgd_step',
     sgd_batch_cached_by_shape(),
     'on the inputs of a batch of N=6 images (C=2, H=4, '
     'W=6, 4 classes), learning rate 0.1 in another order, step'),
    # correct times (1 + 1e-6)
    ('conv2d_dx',
     dx_perturbed,
     'on x of shape (2, 2, 7, 9) (N, C, H, W), w of shape '
     '(3, 2, 3, 3) (F, C, HH, WW), stride 2, padding 0, entry',
     ('flipped', 'not at (i, j)', 'kernel indices are transposed')),
    # db times (1 + 1e-6)
    ('linear_backward',
     linear_db_perturbed,
     'db',
     ('divided by N', 'axis 1')),
    # learning_rate * (1 + 1e-6)
    ('sgd_step',
     sgd_rate_perturbed,
     'on a batch of N=6 images (C=2, H=4, '
     'W=6, 4 classes), learning rate 0.1, step',
     ('N times', 'whole gradient', 'model.params is a new dict')),
    # epsilon 1e-8 added to p in the denominator
    ('ce_grad_probs',
     probs_epsilon,
     'on a batch of N=4, C=3, entry',
     ('1/N', 'sign', 'binary')),
    # normalises the batch in place
    ('sgd_step',
     sgd_normalises_x_in_place,
     ('in place', 'x')),
    # a real attempt that raises NotImplementedError for padding it does
    # not handle yet: it is attempted, and the message should say which
    # case raised
    ('max_pool2d_grad',
     max2d_padding_not_handled,
     'on overlapping windows with padding: x with N=2, C=3, H=7, W=8, '
     'kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), your function',
     ('not attempted', 'replace `raise NotImplementedError`')),
    # window i is x[i*S : K] (end not offset): it starts inside the input,
    # the END is wrong, so 'starts past the edge' is untrue
    ('max_pool1d_grad',
     max1d_window_end_not_offset,
     'on overlapping windows: x with N=2, C=3, '
     'L=11, kernel_size=4, stride=2, your function',
     ('starts past the edge',)),
    # ties split equally
    ('max_pool2d_grad',
     max2d_ties_split,
     'equal maxima',
     ('sent its gradient to both', 'last one')),
    # unstable softmax cleaned with np.nan_to_num: finite garbage
    ('softmax',
     softmax_nan_to_num,
     'on logits of magnitude 1000 (N=2, C=3), entry',
     ('model.params is a new dict',)),
    # unstable: nan at magnitude 1000; a scalar nan must be reported
    # without a crash
    ('cross_entropy',
     ce_unstable,
     'nan'),
    # flattened result
    ('relu_backward',
     relu_flattened,
     'shape'),
    # tuple of rows instead of an array
    ('tanh_backward',
     tanh_tuple_of_rows,
     'tuple'),
    # integer matrix: 1/K truncated to 0
    ('avg_pool1d_jacobian',
     jacobian_int_matrix,
     'int'),
    # float32 accuracy: the message should not talk of a gradient check
    # for a fraction of right answers
    ('accuracy',
     accuracy_float32_message,
     'float32',
     ('gradient check',)),
    # float32 gradients: grammar of the dtype message
    ('mlp_gradients',
     mlp_float32,
     ('float32', 'b2'),
     ('b2 is values',)),
    # caches the one-hot matrix T per shape of p: a later batch of the
    # same shape with other labels gets the first batch's T
    ('ce_grad_probs',
     probs_onehot_cached_by_shape(),
     'on the inputs of a batch of N=4, C=3 in another order, entry'),
    # caches the one-hot targets per (N, C): stale labels for a later
    # batch of the same size
    ('mlp_gradients',
     mlp_onehot_cached_by_shape(),
     'on the inputs of a batch of N=5 with 3 inputs, '
     '7 hidden units, 4 classes in another order, entry'),
    # caches W2.T per shape: stale weights for a later network of the same
    # sizes (params is not permuted by the re-run)
    ('mlp_gradients',
     mlp_w2t_cached_by_shape(),
     'on the inputs of a batch of N=5 with 3 inputs, '
     '7 hidden units, 4 classes in another order, entry'),
    # caches the label mask per N: stale labels for a later batch
    ('accuracy',
     accuracy_labels_cached_by_size(),
     'on a batch of N=5, C=3, 5 of 5 right (the logits of the first '
     'case in another order), your function returns 0.8'),
    # sizes dx from dout, (H' - 1) S + HH, then crops P on both sides:
    # where the far padding row is never reached, a real row of x is
    # cropped off; no wrong argument or axis involved
    ('conv2d_dx',
     dx_sized_from_dout,
     'shape',
     ('wrong argument or the wrong axis',)),
    # mask x > 1e-6 'for safety': drops the gradient of every input in (0,
    # 1e-6]; no case has a tiny positive input
    ('relu_backward',
     relu_threshold,
     'on an input with entries exactly 0 (the kink) '
     'and tiny positive entries down to 5e-324, entry'),
    # the first entry np.isclose to the maximum takes the gradient: wrong
    # when a window holds a value within 1e-8 relative of its maximum but
    # before it; every case's values are 0.1 apart or exactly tied
    ('max_pool2d_grad',
     max2d_isclose_first,
     'on windows whose two largest values are 1e-9 apart: x with N=1, '
     'C=2, H=2, W=4, kernel_size=(2, 2), stride=(2, 2), '
     'padding=(0, 0), entry'),
    # returns an object whose np.asarray raises: the checker's own
    # conversion must not crash (the array checkers survive it)
    ('sgd_step',
     sgd_unconvertible_loss,
     'your function returns _Unconvertible, but the loss of the'),
    # zero_grad() between backward and the update (the most common
    # ordering slip): the update applies zeros; nothing was assigned into
    # model.params
    ('sgd_step',
     sgd_zero_grad_after_backward,
     'on a batch of N=6 images (C=2, H=4, '
     'W=6, 4 classes), learning rate 0.1, step',
     ('model.params is a new dict',)),
    # right values, flattened with ravel(): no sum, no keepdims
    ('softmax',
     softmax_flattened,
     'shape',
     ('keepdims',)),
    # dx = dout @ x (x where w belongs); dw = x.T @ dout is right. It
    # raises the very text the registered 'dw = dout @ x' raises
    ('linear_backward',
     linear_dx_uses_x,
     'on a batch of N=4, D=3, M=5, your function',
     ('dw = dout @ x',)),
    # dh = dz @ W1.T (the wrong layer's weights, transposed correctly):
    # the same ValueError text as the registered dz @ W2
    ('mlp_gradients',
     mlp_back_through_w1,
     'on a batch of N=5 with 3 inputs, 7 '
     'hidden units, 4 classes, your function',
     ('dZ2 @ W2 is missing a transpose',)),
]

STUDENT_CORRECT = [
    # rebinds each layer.params[key] to a new array (not in place)
    ('sgd_step',
     sgd_rebinds_arrays),
    # layers updated last to first
    ('sgd_step',
     sgd_reverse_layer_order),
    # extra key 'loss' in the dict
    ('mlp_gradients',
     mlp_with_loss_key),
    # renormalises s (an identity for every softmax output); the re-run
    # case's s has rows summing to 0.99, 1.06, 0.95, which no softmax
    # produces
    ('softmax_vjp',
     vjp_renormalised),
    # renormalises probs (an identity for probabilities); the re-run
    # case's rows do not sum to 1
    ('ce_grad_probs',
     probs_renormalised),
]

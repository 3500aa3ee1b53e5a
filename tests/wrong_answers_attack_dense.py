r"""The red team's answers for chapters 5 and 6 (issue 10): wrong answers the
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


# ---------------------------------------------------- 5.1 linear_backward

def linear_list_einsum(dout, x, w):
    return [np.einsum("nm,dm->nd", dout, w),
            np.einsum("nd,nm->dm", x, dout), dout.sum(axis=0)]


def linear_db_keepdims(dout, x, w):
    return dout @ w.T, x.T @ dout, dout.sum(axis=0, keepdims=True)


def linear_dw_divided(dout, x, w):
    return dout @ w.T, x.T @ dout / len(x), dout.sum(axis=0)


def linear_dw_float32(dout, x, w):
    return dout @ w.T, (x.T @ dout).astype(np.float32), dout.sum(axis=0)


def linear_dict(dout, x, w):
    return {"dx": dout @ w.T, "dw": x.T @ dout, "db": dout.sum(axis=0)}


# ------------------------------------------------------ 5.2 tanh_backward

def tanh_factored(dout, h):
    return dout * (1 + h) * (1 - h)


def tanh_squares_in_place(dout, h):
    h **= 2
    return dout * (1 - h)


def tanh_perturbed(dout, h):
    return dout * (1 - h ** 2) * (1 + 1e-6)


def tanh_float16(dout, h):
    return (dout * (1 - h ** 2)).astype(np.float16)


# ------------------------------------------------------ 5.3 mlp_gradients

def _grads(params, x, y, *, b1=True, classes=None, keep=False):
    a = x @ params["W1"] + (params["b1"] if b1 else 0.0)
    h = np.tanh(a)
    p = _softmax(h @ params["W2"] + params["b2"])
    width = p.shape[1] if classes is None else classes(y)
    dz = (p - np.eye(width)[y]) / len(y)
    da = dz @ params["W2"].T * (1 - h ** 2)
    return {"W1": x.T @ da, "b1": da.sum(axis=0), "W2": h.T @ dz,
            "b2": dz.sum(axis=0, keepdims=keep)}


def mlp_by_hand(params, x, y):
    return _grads(params, x, y)


def mlp_overwrites_params(params, x, y):
    grads = _grads(params, x, y)
    out = params  # "reuse the dict"
    out.update(grads)
    return out


def mlp_forgot_b1(params, x, y):
    return _grads(params, x, y, b1=False)


def mlp_onehot_from_labels(params, x, y):
    return _grads(params, x, y, classes=lambda y: y.max() + 1)


def mlp_b2_keepdims(params, x, y):
    return _grads(params, x, y, keep=True)


def mlp_prefixed_keys(params, x, y):
    return {"d" + k: v for k, v in _grads(params, x, y).items()}


# ------------------------------------------------------ 6.1 relu_backward

def relu_where(dout, x):
    return np.where(x > 0, dout, 0.0)


def relu_heaviside(dout, x):
    return dout * np.heaviside(x, 0.0)


def relu_half_at_kink(dout, x):
    return dout * np.heaviside(x, 0.5)


def relu_masks_dout_in_place(dout, x):
    dout[x <= 0] = 0.0
    return dout


def relu_float32(dout, x):
    return (dout * (x > 0)).astype(np.float32)


# ----------------------------------------------------------- 6.2 accuracy

def accuracy_floor_division(logits, y):
    return np.sum(np.argmax(logits, axis=1) == y) // len(y)


def accuracy_broadcast_table(logits, y):
    return float(np.mean(np.argmax(logits, axis=1) == y[:, None]))


def accuracy_threshold(logits, y):
    p = _softmax(logits)
    return float(np.mean(p[np.arange(len(y)), y] > 0.5))


def accuracy_argmin(logits, y):
    return float(np.mean(np.argmin(logits, axis=1) == y))


def accuracy_argsort(logits, y):
    return float(np.mean(np.argsort(-logits, axis=1)[:, 0] == y))


# ----------------------------------------------------------- 6.3 sgd_step

def _update(layers, rate, grads=None):
    for index, layer in enumerate(layers):
        for key in layer.params:
            g = layer.grads[key] if grads is None else grads[index][key]
            layer.params[key] -= rate * g


def sgd_flat_dicts(model, loss_fn, x, y, learning_rate):
    model.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    grads = model.grads
    for key, value in model.params.items():
        value -= learning_rate * grads[key]
    return loss


def sgd_grads_captured_early(model, loss_fn, x, y, learning_rate):
    params, grads = model.params, model.grads
    model.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    for key in params:
        params[key] -= learning_rate * grads[key]
    return loss


def sgd_zero_then_update(model, loss_fn, x, y, learning_rate):
    model.zero_grad()
    _update(model.layers, learning_rate)
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    return loss


def sgd_without_backward(model, loss_fn, x, y, learning_rate):
    model.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    _update(model.layers, learning_rate)
    return loss


def sgd_first_model_layers():
    kept = []

    def sgd_step(model, loss_fn, x, y, learning_rate):
        if not kept:
            kept.extend(model.layers)
        model.zero_grad()
        loss = loss_fn.forward(model.forward(x), y)
        model.backward(loss_fn.backward())
        _update(kept, learning_rate)
        return loss
    return sgd_step


def sgd_clipped(model, loss_fn, x, y, learning_rate):
    model.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    for layer in model.layers:
        for key in layer.params:
            layer.params[key] -= learning_rate * np.clip(
                layer.grads[key], -0.05, 0.05)
    return loss


def sgd_loss_float32(model, loss_fn, x, y, learning_rate):
    model.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    _update(model.layers, learning_rate)
    return np.float32(loss)


STUDENT_MISTAKES = [
]

UNREGISTERED = [
    # db with keepdims=True, (1, M)
    ('linear_backward',
     linear_db_keepdims,
     'shape',
     ('divided by N',)),
    # only dw divided by N
    ('linear_backward',
     linear_dw_divided,
     'on a batch of N=4, D=3, M=5, entry',
     ('transpose', 'wrong order')),
    # float32 dw: the message should name dw and float32 grammatically
    ('linear_backward',
     linear_dw_float32,
     ('float32', 'dw'),
     ('dw is values',)),
    # returns a dict
    ('linear_backward',
     linear_dict,
     'your function returns a single dict, but 3 are expected:',
     ('transpose',)),
    # h **= 2 changes h in place; the advice should not talk about 'h -=
    # m' / 'h - m', which the answer never wrote
    ('tanh_backward',
     tanh_squares_in_place,
     'in place',
     ('-= m', ' - m ')),
    # correct times (1 + 1e-6)
    ('tanh_backward',
     tanh_perturbed,
     'on a batch of N=4, M=6, entry',
     ('1 - h is not', 'sigmoid', 'sign is flipped')),
    ('tanh_backward',
     tanh_float16,
     'float16'),
    # writes the gradients into the caller's params dict (grads = params):
    # after the call, params holds gradients, not weights. The checker
    # deep-copies its inputs and never looks at a dict input afterwards
    ('mlp_gradients',
     mlp_overwrites_params,
     'params',
     ('-= m',)),
    # forward pass without b1
    ('mlp_gradients',
     mlp_forgot_b1,
     'b2',
     ('N times', 'sign', 'transposed')),
    # one-hot width max(y) + 1
    ('mlp_gradients',
     mlp_onehot_from_labels,
     'on a batch of 1 with 4 inputs, 6 hidden units, 3 classes, entry',
     ('N times', 'sign')),
    # db2 with keepdims
    ('mlp_gradients',
     mlp_b2_keepdims,
     ('b2', 'shape')),
    # keys dW1, db1, ...
    ('mlp_gradients',
     mlp_prefixed_keys,
     'W1'),
    # heaviside(x, 0.5): half the gradient at the kink
    ('relu_backward',
     relu_half_at_kink,
     '0',
     ('x >= 0', 'inverted', 'applied the ReLU to dout')),
    # dout[x <= 0] = 0; return dout: in place, no subtraction anywhere
    ('relu_backward',
     relu_masks_dout_in_place,
     ('in place', 'dout'),
     ('-= m', ' - m ')),
    ('relu_backward',
     relu_float32,
     'float32'),
    # floor division by N
    ('accuracy',
     accuracy_floor_division,
     'on a batch of N=5, C=3, 3 of 5 right, your function',
     ('flattened', 'number of correct', 'percentage', 'error rate')),
    # compares (N,) with y[:, None]: an N x N table
    ('accuracy',
     accuracy_broadcast_table,
     'on a batch of N=5, C=3, 3 of 5 right, your function',
     ('flattened', 'axis=0', 'error rate')),
    # true-class probability above 0.5
    ('accuracy',
     accuracy_threshold,
     'on a batch of N=5, C=3, 3 of 5 right, your function',
     ('flattened', 'averaged the probability')),
    # argmin
    ('accuracy',
     accuracy_argmin,
     'on a batch of N=5, C=3, 3 of 5 right, your function',
     ('flattened', 'error rate')),
    # takes params, grads = model.params, model.grads BEFORE
    # zero_grad/backward, updates after backward: zero_grad and backward
    # build new grads arrays, so the old dict holds the previous step's
    # gradients. The order of the calls is right
    ('sgd_step',
     sgd_grads_captured_early,
     'on a batch of N=6 images (C=2, H=4, '
     'W=6, 4 classes), learning rate 0.1, step',
     ('you updated the parameters before', 'model.params is a new dict')),
    # zero_grad, then the update (with zero gradients), then
    # forward/backward: nothing ever moves, but nothing was assigned into
    # model.params
    ('sgd_step',
     sgd_zero_then_update,
     'on a batch of N=6 images (C=2, H=4, '
     'W=6, 4 classes), learning rate 0.1, step',
     ('model.params is a new dict',)),
    # no backward pass at all
    ('sgd_step',
     sgd_without_backward,
     'on a batch of N=6 images (C=2, H=4, '
     'W=6, 4 classes), learning rate 0.1, step',
     ('model.params is a new dict',)),
    # keeps the first model's layers in a global: later models are never
    # updated (state across calls)
    ('sgd_step',
     sgd_first_model_layers(),
     'on a batch of 1 image (C=2, H=4, '
     'W=6, 4 classes), learning rate 0.2, step',
     ('model.params is a new dict',)),
    # clips every gradient entry to [-0.05, 0.05] (not asked for)
    ('sgd_step',
     sgd_clipped,
     'on a batch of N=6 images (C=2, H=4, '
     'W=6, 4 classes), learning rate 0.1, step'),
    ('sgd_step',
     sgd_loss_float32,
     'float32'),
]

STUDENT_CORRECT = [
    # a list instead of a tuple, einsum
    ('linear_backward',
     linear_list_einsum),
    # (1 + h)(1 - h)
    ('tanh_backward',
     tanh_factored),
    # by hand
    ('mlp_gradients',
     mlp_by_hand),
    # np.where
    ('relu_backward',
     relu_where),
    # heaviside(x, 0)
    ('relu_backward',
     relu_heaviside),
    # argsort
    ('accuracy',
     accuracy_argsort),
    # model.params / model.grads after backward
    ('sgd_step',
     sgd_flat_dicts),
]

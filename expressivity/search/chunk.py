"""One chunk of models of the same slot shape, trained by one fixed sequence of whole-tensor operations.

How a step is laid out, and why it is fast
------------------------------------------
Activations are held as ``(slots, width + 1, 2^n)``: the inputs run along the
last, contiguous axis, and a row of ones under every layer's units carries the
bias, so every hidden layer is one ``bmm`` of the stacked ``[W_l | b_l]`` with a
long inner dimension, its bias gradient comes out of the same product as its
weight gradient, and the backward pass needs no transposed copies.  The first
layer multiplies by the constant ``[x; 1]`` (a broadcast view, not a copy).  The
gradient of the last hidden layer is the ReLU mask applied to ``dloss/dout``
broadcast over the units, and the output weights ``a`` scale the *rows* of the
products that use it, so no ``(slots, width, 2^n)`` outer product is ever
formed.  Models are trained in chunks whose activations fit in a core's cache
(:data:`expressivity.search.engine.MAX_ELEMENTS`); a chunk whose models have
mostly finished is compacted.  The parameters, the gradient and the activation
buffers are updated in place, so the views a step works on are made once per
chunk layout.

For small ``n`` (up to :data:`PAD_UP_TO_BITS`) a step costs its per-operation
overhead more than its arithmetic.  The slots are padded to at least 8 units,
so that models of different widths share a chunk, and the first layer is one
plain matrix product over all slots instead of a batch of tiny ones; its weight
gradient is one product by ``[x; 1]`` padded with zero rows to 16 (MKL's fast
kernel: 2x faster than 4..7 columns).  The output layer, whose products have a
single row (slow in MKL), is an elementwise product and a sum over the units;
and at ``n <= 3`` ``dloss/dout`` is copied over the units before the ReLU mask
(a broadcast along rows of 8 values costs more than the copy).  Adam's numbers
are 0-dim tensors (a Python number is converted at every operation), and the
square root's argument is clamped to the smallest normal number where that
changes no ``sqrt + eps`` (the root is slow on the zero moments of padding).

Independence of the models, bit for bit (on this machine's BLAS)
----------------------------------------------------------------
A model's result should not depend on the batch it is trained in.  Every
operation of a step is one of:

* elementwise: the same IEEE operation on each value (``relu``, ``where``, ``+``,
  ``*``, Adam written with single operations and no fused multiply-add);
* a ``bmm`` over at least two slots, which multiplies each slot's matrices on
  their own, or, for small n, a matrix product of at least 16 rows, each row a
  slot's unit, by a constant matrix;
* a reduction over one axis of a ``(slots, ..., 2^n)`` tensor: each slot's ``min``
  over its inputs (exact in any order), and for small n the output layer's sum
  over the units.  torch's CPU sum gives every output value the same sequence
  of additions, decided by the length and stride of the summed axis and by the
  position along the inputs' axis (vectorised in groups of lanes), never by
  the slot; threads split a reduction along an axis that is not summed (the
  slots' when there are at least as many slots as threads).

So a model's arithmetic is the same in any slot of any chunk **provided the BLAS
computes each matrix of a batched product, and each row of a product, the same
way whatever the batch's size and the position in it**.  That is a property of
the BLAS, not a theorem: it holds for torch's CPU ``bmm`` and ``mm`` (MKL) on
every shape the engine uses in our tests (a batch of one matrix, and products
of fewer than 5 rows, which MKL computes differently, are avoided by padding;
a product with a few long rows, ``[x; 1]`` times the slots' units, was found to
depend on the number of slots in float64, and is not used), and
``tests/test_search_engine.py`` checks it by training models alone and in
batches and comparing weights bit for bit.  The logistic loss's sigmoid, a
transcendental function that torch may round differently in its vectorised and
scalar code, is evaluated in float64 and rounded, so that the two agree except
with a probability of about ``2^-29`` per evaluation.  On a GPU, or another
BLAS, the guarantee is only "the same up to rounding".
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import torch

from expressivity.search.models import DTYPES, TrainConfig, TrainedModel, init_stacked

#: The fewest slots a chunk has: a batched product of one matrix takes another code path.
MIN_SLOTS = 2
#: Up to this n, a step costs its fixed per-operation overhead more than its arithmetic, so
#: models are padded (:func:`expressivity.search.engine.slot_shape`) and the first layer is one
#: matrix product over all slots.
PAD_UP_TO_BITS = 6
#: Columns of ``[x; 1]``, zero-padded, in the first layer's gradient product for small n.
FIRST_GRADIENT_COLUMNS = 16


class _Layout:
    """Where each parameter of ``slots`` models of one shape lives in the flat vector ``theta``.

    One block per layer, each ``(slots, fan_out, fan_in + 1)`` and contiguous: the
    weights with the bias as their last column, ``[W_l | b_l]``; the output layer
    last, ``[a | c]`` ``(slots, 1, w_D + 1)``.  Every activation is kept with a row of
    ones under it, so each layer is one batched product and its bias gradient comes
    out of the same product as its weight gradient.
    """

    def __init__(self, n: int, shape: tuple, slots: int) -> None:
        self.n, self.shape, self.slots = n, shape, slots
        sizes = [n, *shape, 1]
        self.blocks = [(fan_out, fan_in + 1) for fan_in, fan_out in zip(sizes[:-1], sizes[1:])]
        self.per_slot = [rows * cols for rows, cols in self.blocks]
        self.size = slots * sum(self.per_slot)

    def views(self, theta):
        """The blocks as views of ``theta`` (a torch tensor or a numpy array)."""
        out, offset = [], 0
        for (rows, cols), each in zip(self.blocks, self.per_slot):
            out.append(theta[offset : offset + self.slots * each].reshape(self.slots, rows, cols))
            offset += self.slots * each
        return out

    def owner(self, device) -> torch.Tensor:
        """For each flat parameter, the slot it belongs to."""
        slot = torch.arange(self.slots, device=device)
        return torch.cat([slot.repeat_interleave(each) for each in self.per_slot])

    def gather_index(self, keep: torch.Tensor) -> torch.Tensor:
        """Flat indices of the parameters of slots ``keep``, in the order of a layout with ``len(keep)`` slots."""
        parts, offset = [], 0
        for each in self.per_slot:
            local = torch.arange(each, device=keep.device)
            parts.append((offset + keep[:, None] * each + local).reshape(-1))
            offset += self.slots * each
        return torch.cat(parts)


class Chunk:
    """Models of one slot shape trained together: initial weights, the step program, and read-out.

    ``members`` are ``(shape, index)`` of the models; each shape fits in the slot shape
    ``shape`` (the model's weights sit in the top-left corner of each block, its
    bias in the last column; the rest is zero padding).
    """

    def __init__(self, n, shape, members, signs, config: TrainConfig, seed, device) -> None:
        self.n, self.shape, self.members, self.config, self.device = n, shape, list(members), config, device
        self.indices = [index for _, index in self.members]
        # Small n: slots are padded to >= 8 units (slot_shape), so the first layer's products have
        # >= 16 rows; MKL computes each row of such a product the same way wherever it sits
        # (checked like bmm, see the module docstring), and one product is much cheaper than
        # a batch of tiny ones.
        self.padded = n <= PAD_UP_TO_BITS
        self.dtype = DTYPES[config.dtype]
        models = len(self.members)
        slots = max(MIN_SLOTS, models)  # a padding slot (zero weights, never updated) keeps bmm batched
        self.layout = _Layout(n, shape, slots)
        flat = np.zeros(self.layout.size, dtype=np.float64)
        blocks = self.layout.views(flat)  # numpy views: written in place
        by_shape: dict[tuple, list[int]] = {}
        for slot, (own, _) in enumerate(self.members):
            by_shape.setdefault(own, []).append(slot)
        for own, at in by_shape.items():  # every model of a shape at once: per-model overhead is the cost
            weights, biases = init_stacked(n, own, [self.indices[s] for s in at], seed=seed, init=config.init)
            for block, weight, bias in zip(blocks, weights, biases):
                fan_out, fan_in = weight.shape[1:]
                block[at, :fan_out, :fan_in] = weight
                block[at, :fan_out, -1] = bias
        self.theta = torch.tensor(flat, dtype=self.dtype, device=device)
        P = 1 << n
        index = np.arange(P)
        bits = ((index[None, :] >> np.arange(n)[:, None]) & 1).astype(np.float64)  # (n, P): row k is x_k
        inputs = 2 * bits - 1 if config.encoding == "pm1" else bits
        self.inputs = torch.tensor(np.vstack([inputs, np.ones((1, P))]), dtype=self.dtype, device=device)  # (n+1, P)
        if self.padded:  # [x; 1] and zero rows, 16 in all, transposed (a view): see the module docstring
            padding = torch.zeros(FIRST_GRADIENT_COLUMNS - n - 1, P, dtype=self.dtype, device=device)
            self.inputs_by_columns = torch.cat([self.inputs, padding]).t()
        self.signs = torch.tensor(signs, dtype=self.dtype, device=device).view(1, 1, P)
        self.signs_over_inputs = self.signs / P  # exact: P is a power of two
        self.negated_signs_over_inputs = -self.signs_over_inputs
        self.slot_model = torch.arange(slots, device=device)  # which model each slot holds (>= models: padding)
        self.active = self.slot_model < models
        self.fit_step = torch.full((slots,), -1, dtype=torch.long, device=device)
        self.finished: dict[int, tuple[int, np.ndarray, _Layout, int]] = {}

    # -- the step program ----------------------------------------------------

    def bind(self, theta: torch.Tensor) -> SimpleNamespace:
        """The views a step works on, for the parameters ``theta`` of the current layout (made once per layout)."""
        slots, shape, P = self.layout.slots, self.shape, 1 << self.n
        v = SimpleNamespace(blocks=self.layout.views(theta), grad=torch.empty_like(theta), hidden=[])
        v.into = self.layout.views(v.grad)
        for width in shape:  # (slots, w_l + 1, 2^n), the last row ones
            buffer = torch.empty((slots, width + 1, P), dtype=self.dtype, device=self.device)
            buffer[:, width].fill_(1.0)
            v.hidden.append(buffer)
        v.units = [h[:, :width] for h, width in zip(v.hidden, shape)]  # relu written above the row of ones
        v.top_t = v.hidden[-1].transpose(1, 2)
        v.output_t = v.blocks[-1].transpose(1, 2)  # (slots, w_D + 1, 1): [a | c] down the units
        v.scale = v.blocks[-1][:, :, : shape[-1]].transpose(1, 2)  # (slots, w_D, 1): a
        v.first = v.blocks[0].view(-1, self.n + 1)  # (slots * w_1, n + 1)
        v.inputs = self.inputs.expand(slots, *self.inputs.shape)
        v.inputs_t = self.inputs.t().expand(slots, *self.inputs.t().shape)
        return v

    def forward(self, v) -> torch.Tensor:
        """Fill the activations ``v.hidden`` and return the outputs ``(slots, 1, 2^n)``."""
        if self.padded:  # one matrix product for all slots: (slots * w_1, n + 1) @ (n + 1, 2^n)
            pre = torch.mm(v.first, self.inputs).view(v.units[0].shape)
        else:
            pre = torch.bmm(v.blocks[0], v.inputs)
        for layer, units in enumerate(v.units):
            torch.clamp(pre, min=0, out=units)
            if layer + 1 < len(v.units):
                pre = torch.bmm(v.blocks[layer + 1], v.hidden[layer])
        if self.padded:  # a product with one row is slow in MKL: products, then a sum over the units
            return torch.mul(v.output_t, v.hidden[-1]).sum(1, keepdim=True)
        return torch.bmm(v.blocks[-1], v.hidden[-1])

    def output_gradient(self, margin) -> torch.Tensor:
        """``d mean loss / d out`` ``(slots, 1, 2^n)``: the loss's slope in the margin times ``y / 2^n``."""
        loss = self.config.loss
        if loss == "logistic":  # -sigmoid(-z) y / P, the minus moved onto y (exact)
            return torch.sigmoid_((-margin).double()).to(self.dtype) * self.negated_signs_over_inputs
        if loss == "hinge":  # -(z < 1) y / P, likewise
            return (margin < 1).to(self.dtype) * self.negated_signs_over_inputs
        return (margin - 1) * self.signs_over_inputs

    def gradient(self, v, grad_out) -> None:
        """The gradient of the mean loss, by hand, written into ``v.grad`` (the layout's order)."""
        depth = len(self.shape)
        torch.bmm(grad_out, v.top_t, out=v.into[-1])  # [a | c]
        # d loss / d pre-activation of layer D is a_j * mask * grad_out: keep the mask part,
        # and let a scale the rows of what it multiplies.
        spread = grad_out.expand_as(v.units[-1])
        if self.n <= 3:  # a broadcast along rows of 8 values or fewer costs more than copying them
            spread = spread.contiguous()
        masked = torch.ops.aten.threshold_backward(spread, v.units[-1], 0)
        scale = v.scale
        for layer in range(depth - 1, 0, -1):
            below = v.hidden[layer - 1]
            if scale is not None:
                torch.mul(scale, torch.bmm(masked, below.transpose(1, 2)), out=v.into[layer])
                weight = v.blocks[layer][:, :, :-1] * scale
            else:
                torch.bmm(masked, below.transpose(1, 2), out=v.into[layer])
                weight = v.blocks[layer][:, :, :-1]
            back = torch.bmm(weight.transpose(1, 2), masked)
            masked = torch.ops.aten.threshold_backward(back, v.units[layer - 1], 0)
            scale = None
        if self.padded:  # (slots * w_1, 2^n) @ (2^n, 16): the first n + 1 columns are the gradient
            first = torch.mm(masked.view(-1, masked.shape[-1]), self.inputs_by_columns)
            first = first[:, : self.n + 1].view(v.into[0].shape)
        else:
            first = torch.bmm(masked, v.inputs_t)
        if scale is not None:
            torch.mul(scale, first, out=v.into[0])
        else:
            v.into[0].copy_(first)

    def train(self, check_every: int, on_progress) -> list[TrainedModel]:
        """Train every model until it fits or the step budget ends; the trained models, in the order of ``members``."""
        config = self.config
        zero = torch.zeros((), dtype=self.dtype, device=self.device)
        reported = 0
        with torch.inference_mode():
            theta = self.theta.clone()  # updated in place
            adam, owner, v = _Adam(config, theta), self.layout.owner(self.device), self.bind(theta)
            for step in range(config.steps + 1):
                if step and step % check_every == 0:
                    running = int(self.active.sum())
                    if on_progress is not None:
                        done = check_every * min(len(self.indices), self.layout.slots)
                        on_progress(done)
                        reported += done
                    if running == 0:
                        break
                    if running <= self.layout.slots // 2 and self.layout.slots > MIN_SLOTS:
                        theta = self._compact(theta, adam)
                        owner, v = self.layout.owner(self.device), self.bind(theta)
                margin = self.forward(v) * self.signs
                fitted = (margin.amin(-1).view(-1) > zero) & self.active  # newly classifying every input
                self.fit_step.masked_fill_(fitted, step)
                self.active ^= fitted
                if step == config.steps:
                    break
                self.gradient(v, self.output_gradient(margin))
                adam.step(theta, v.grad, self.active.index_select(0, owner), step)
            if on_progress is not None:
                on_progress(len(self.indices) * config.steps - reported)
            self.fit_step = torch.where(self.active, -1, self.fit_step)
            self._harvest(theta, torch.arange(self.layout.slots, device=self.device))
        return self._read_out()

    def _read_out(self) -> list[TrainedModel]:
        """The trained models, in the order of ``members``, cut out of the harvested parameters."""
        trained, views = [], {}
        for position, (own, index) in enumerate(self.members):
            step_fit, values, layout, slot = self.finished[position]
            if id(values) not in views:
                views[id(values)] = layout.views(values)
            sizes = [self.n, *own, 1]  # cut the padding off: rows and columns past the model's widths
            blocks = [block[slot, : sizes[l + 1]] for l, block in enumerate(views[id(values)])]
            fitted = step_fit >= 0
            trained.append(TrainedModel(self.n, own, index, fitted, step_fit if fitted else self.config.steps,
                                        tuple(b[:, : sizes[l]].copy() for l, b in enumerate(blocks)),
                                        tuple(b[:, -1].copy() for b in blocks), self.config.encoding))
        return trained

    def _harvest(self, theta, slots: torch.Tensor) -> None:
        """Keep the (frozen) parameters of the models in ``slots``."""
        models = self.slot_model[slots].cpu().numpy()
        steps = self.fit_step[slots].cpu().numpy()
        real = [(j, int(m), int(s)) for j, (m, s) in enumerate(zip(models, steps)) if m < len(self.indices)]
        if not real:
            return
        values = theta.to(device="cpu", dtype=torch.float64, copy=True).numpy()  # a copy: theta changes in place
        for j, model, step in real:
            self.finished.setdefault(model, (step, values, self.layout, int(slots[j])))

    def _compact(self, theta, adam: _Adam):
        """Drop finished models (every remaining slot computes exactly as before)."""
        done = torch.nonzero(~self.active).reshape(-1)
        keep = torch.nonzero(self.active).reshape(-1)
        if keep.numel() < MIN_SLOTS:  # keep one finished slot too, frozen: it is never updated
            keep = torch.sort(torch.cat([keep, done[: MIN_SLOTS - keep.numel()]])).values
        self._harvest(theta, done)
        index = self.layout.gather_index(keep)
        self.active, self.fit_step, self.slot_model = self.active[keep], self.fit_step[keep], self.slot_model[keep]
        self.layout = _Layout(self.n, self.shape, int(keep.numel()))
        adam.first, adam.second = adam.first[index], adam.second[index]
        return theta[index]


class _Adam:
    """Adam over the flat parameters in single IEEE operations (no fused multiply-add); frozen models stay put.

    Its numbers are 0-dim tensors of the training dtype: the values a Python number is
    rounded to in each operation, without converting one at every operation.
    """

    def __init__(self, config: TrainConfig, theta: torch.Tensor) -> None:
        def number(value):
            return torch.tensor(value, dtype=theta.dtype, device=theta.device)

        beta1, beta2, steps = config.beta1, config.beta2, range(1, config.steps + 1)
        self.beta1, self.beta2, self.eps, self.zero = number(beta1), number(beta2), number(config.eps), number(0.0)
        self.rest1, self.rest2 = number(1 - beta1), number(1 - beta2)
        self.correction2 = number([1 - beta2**t for t in steps]).unbind()  # after step 0, 1, ...
        self.step_size = number([config.lr / (1 - beta1**t) for t in steps]).unbind()
        self.first, self.second = torch.zeros_like(theta), torch.zeros_like(theta)
        # sqrt is slow on zeros (the moments of padding) and denormals: clamp its argument to the
        # smallest normal number, where that leaves every sqrt(.) + eps as it is.
        tiny = torch.finfo(theta.dtype).tiny
        probe = number([tiny, 0.0]).sqrt_().add_(self.eps)
        self.floor = tiny if bool(probe[0] == probe[1]) else None

    def step(self, theta, grad, moving, step: int) -> None:
        """Update ``theta`` in place where ``moving`` (its model still trains), at ``step`` (from 0)."""
        self.first.mul_(self.beta1).add_(grad * self.rest1)
        self.second.mul_(self.beta2).add_(grad * grad * self.rest2)
        denominator = self.second / self.correction2[step]
        if self.floor is not None:
            denominator.clamp_min_(self.floor)
        denominator.sqrt_().add_(self.eps)
        update = (self.first * self.step_size[step]).div_(denominator)
        theta.sub_(torch.where(moving, update, self.zero))

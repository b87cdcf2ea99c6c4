"""One chunk of models of the same slot shape, trained by one fixed sequence of whole-tensor operations.

How a step is laid out, and why it is fast
------------------------------------------
Activations are held as ``(slots, width + 1, 2^n)``: the inputs run along the
last, contiguous axis, and a row of ones under every layer's units carries the
bias, so every layer (the output included) is one ``bmm`` of the stacked
``[W_l | b_l]`` with a long inner dimension, its bias gradient comes out of the
same product as its weight gradient, and the backward pass needs no transposed
copies.  The first layer multiplies by the constant ``[x; 1]`` (a broadcast view,
not a copy).  The gradient of the last hidden layer is the ReLU mask applied to
``dloss/dout`` broadcast over the units, and the output weights ``a`` scale the
*rows* of the products that use it, so no ``(slots, width, 2^n)`` outer product
is ever formed.  Models are trained in chunks whose activations fit in a core's
cache (:data:`expressivity.search.engine.MAX_ELEMENTS`); a chunk whose models
have mostly finished is compacted.  For small ``n`` (up to
:data:`PAD_UP_TO_BITS`) a step costs its per-operation overhead more than its
arithmetic: the slots are padded to at least 8 units, so that models of
different widths share a chunk, and the first layer is one plain matrix product
over all slots instead of a batch of tiny ones.

Independence of the models, bit for bit (on this machine's BLAS)
----------------------------------------------------------------
A model's result should not depend on the batch it is trained in.  Every
operation of a step is either elementwise (the same IEEE operation on each
value: ``relu``, ``where``, ``+``, ``*``, Adam written with single operations and
no fused multiply-add) or a ``bmm`` over at least two slots, which multiplies
each slot's matrices on their own (or, for small n, a matrix product of at least
16 rows, each row a slot's unit).  So a model's arithmetic is the same in any
slot of any chunk **provided the BLAS computes each matrix of a batched product,
and each row of a product, the same way whatever the batch's size and the
position in it**.  That is a property of the BLAS, not a theorem: it holds for
torch's CPU ``bmm`` and ``mm`` (MKL) on every shape the engine uses in our tests
(a batch of one matrix, and products of fewer than 5 rows, which MKL computes
differently, are avoided by padding), and
``tests/test_search_engine.py`` checks it by training models alone and in
batches and comparing weights bit for bit.  The logistic loss's sigmoid, a
transcendental function that torch may round differently in its vectorised and
scalar code, is evaluated in float64 and rounded, so that the two agree except
with a probability of about ``2^-29`` per evaluation.  On a GPU, or another
BLAS, the guarantee is only "the same up to rounding".
"""
from __future__ import annotations

import numpy as np
import torch

from expressivity.search.models import DTYPES, TrainConfig, TrainedModel, init_parameters

#: The fewest slots a chunk has: a batched product of one matrix takes another code path.
MIN_SLOTS = 2
#: Up to this n, a step costs its fixed per-operation overhead more than its arithmetic, so
#: models are padded (:func:`expressivity.search.engine.slot_shape`) and the first layer is one
#: matrix product over all slots.
PAD_UP_TO_BITS = 6


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

    def unpack(self, values: np.ndarray, slot: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """One slot's weights and biases (float64 arrays, output layer last) from flat ``values``."""
        weights, biases, offset = [], [], 0
        for (rows, cols), each in zip(self.blocks, self.per_slot):
            block = values[offset + slot * each : offset + (slot + 1) * each].reshape(rows, cols)
            weights.append(block[:, :-1])
            biases.append(block[:, -1])
            offset += self.slots * each
        return weights, biases


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
        for slot, (own, index) in enumerate(self.members):
            p = init_parameters(n, own, index, seed=seed, init=config.init)
            sizes = [n, *own, 1]
            for layer, (weight, bias) in enumerate(zip(p["weights"], p["biases"])):
                blocks[layer][slot, : sizes[layer + 1], : sizes[layer]] = weight
                blocks[layer][slot, : sizes[layer + 1], -1] = bias
        self.theta = torch.tensor(flat, dtype=self.dtype, device=device)
        P = 1 << n
        index = np.arange(P)
        bits = ((index[None, :] >> np.arange(n)[:, None]) & 1).astype(np.float64)  # (n, P): row k is x_k
        inputs = 2 * bits - 1 if config.encoding == "pm1" else bits
        self.inputs = torch.tensor(np.vstack([inputs, np.ones((1, P))]), dtype=self.dtype, device=device)  # (n+1, P)
        self.signs = torch.tensor(signs, dtype=self.dtype, device=device).view(1, 1, P)
        self.signs_over_inputs = self.signs / P  # exact: P is a power of two
        self.slot_model = torch.arange(slots, device=device)  # which model each slot holds (>= models: padding)
        self.active = self.slot_model < models
        self.fit_step = torch.full((slots,), -1, dtype=torch.long, device=device)
        self.finished: dict[int, tuple[int, np.ndarray, _Layout, int]] = {}
        self._activations: list[torch.Tensor] = []

    # -- the step program ----------------------------------------------------

    def activation_buffers(self) -> list[torch.Tensor]:
        """Per hidden layer ``(slots, w_l + 1, 2^n)``, the last row ones (kept until the slot count changes)."""
        slots = self.layout.slots
        if not self._activations or self._activations[0].shape[0] != slots:
            self._activations = []
            for width in self.shape:
                buffer = torch.empty((slots, width + 1, 1 << self.n), dtype=self.dtype, device=self.device)
                buffer[:, width].fill_(1.0)
                self._activations.append(buffer)
        return self._activations

    def forward(self, blocks):
        """Activations ``[h_l; 1]`` of every hidden layer ``(slots, w_l + 1, 2^n)`` and the outputs ``(slots, 1, 2^n)``."""
        slots = self.layout.slots
        hidden = self.activation_buffers()
        if self.padded:  # one matrix product for all slots: (slots * w_1, n + 1) @ (n + 1, 2^n)
            pre = torch.mm(blocks[0].reshape(-1, self.n + 1), self.inputs).view(slots, self.shape[0], -1)
        else:
            pre = torch.bmm(blocks[0], self.inputs.expand(slots, *self.inputs.shape))
        for layer, width in enumerate(self.shape):
            torch.clamp(pre, min=0, out=hidden[layer][:, :width])  # relu, written above the row of ones
            pre = torch.bmm(blocks[layer + 1], hidden[layer])
        return hidden, pre

    def gradient(self, blocks, hidden, margin) -> torch.Tensor:
        """The gradient of the mean loss, by hand, as a flat vector in the layout's order."""
        config, slots = self.config, self.layout.slots
        if config.loss == "logistic":
            slope = -torch.sigmoid((-margin).double()).to(self.dtype)
        elif config.loss == "hinge":
            slope = -(margin < 1).to(self.dtype)
        else:
            slope = margin - 1
        grad_out = slope * self.signs_over_inputs  # (slots, 1, P): d mean loss / d out
        depth = len(self.shape)
        grads = [None] * len(blocks)
        grads[-1] = torch.bmm(grad_out, hidden[-1].transpose(1, 2))  # [a | c]
        # d loss / d pre-activation of layer D is a_j * mask * grad_out: keep the mask part,
        # and let a scale the rows of what it multiplies.
        top = hidden[-1][:, : self.shape[-1]]
        masked = torch.ops.aten.threshold_backward(grad_out.expand_as(top), top, 0)
        scale = blocks[-1][:, :, : self.shape[-1]].transpose(1, 2)  # (slots, w_D, 1)
        for layer in range(depth - 1, 0, -1):
            below = hidden[layer - 1]
            grads[layer] = torch.bmm(masked, below.transpose(1, 2))
            if scale is not None:
                grads[layer] = scale * grads[layer]
                weight = blocks[layer][:, :, :-1] * scale
            else:
                weight = blocks[layer][:, :, :-1]
            back = torch.bmm(weight.transpose(1, 2), masked)
            units = below[:, : self.shape[layer - 1]]
            masked = torch.ops.aten.threshold_backward(back, units, 0)
            scale = None
        if self.padded:
            first = torch.mm(masked.reshape(-1, masked.shape[-1]), self.inputs.t()).view(slots, self.shape[0], -1)
        else:
            first = torch.bmm(masked, self.inputs.t().expand(slots, *self.inputs.t().shape))
        grads[0] = first if scale is None else scale * first
        return torch.cat([g.reshape(-1) for g in grads])

    def train(self, check_every: int, on_progress) -> list[TrainedModel]:
        config = self.config
        theta = self.theta
        first_moment = torch.zeros_like(theta)
        second_moment = torch.zeros_like(theta)
        owner = self.layout.owner(self.device)
        beta1, beta2 = config.beta1, config.beta2
        reported = 0
        with torch.inference_mode():
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
                        theta, first_moment, second_moment = self._compact(theta, first_moment, second_moment)
                        owner = self.layout.owner(self.device)
                blocks = self.layout.views(theta)
                hidden, out = self.forward(blocks)
                margin = out * self.signs
                correct = (margin > 0).all(-1).view(-1)
                self.fit_step = torch.where(self.active & correct, step, self.fit_step)
                self.active = self.active & ~correct
                if step == config.steps:
                    break
                grad = self.gradient(blocks, hidden, margin)
                # Adam, single IEEE operations only; finished models keep their weights.
                t = step + 1
                first_moment.mul_(beta1).add_(grad * (1 - beta1))
                second_moment.mul_(beta2).add_(grad * grad * (1 - beta2))
                denominator = (second_moment / (1 - beta2**t)).sqrt_().add_(config.eps)
                update = (first_moment * (config.lr / (1 - beta1**t))) / denominator
                theta = theta - torch.where(self.active[owner], update, 0.0)
            if on_progress is not None:
                on_progress(len(self.indices) * config.steps - reported)
            self.fit_step = torch.where(self.active, -1, self.fit_step)
            self._harvest(theta, torch.arange(self.layout.slots, device=self.device))
        trained = []
        for position, (own, index) in enumerate(self.members):
            step_fit, values, layout, slot = self.finished[position]
            weights, biases = layout.unpack(values, slot)
            sizes = [self.n, *own, 1]  # cut the padding off: rows and columns past the model's widths
            weights = [w[: sizes[l + 1], : sizes[l]].copy() for l, w in enumerate(weights)]
            biases = [b[: sizes[l + 1]].copy() for l, b in enumerate(biases)]
            fitted = step_fit >= 0
            trained.append(TrainedModel(self.n, own, index, fitted, step_fit if fitted else config.steps,
                                        tuple(weights), tuple(biases), config.encoding))
        return trained

    def _harvest(self, theta, slots: torch.Tensor) -> None:
        """Keep the (frozen) parameters of the models in ``slots``."""
        models = self.slot_model[slots].cpu().numpy()
        steps = self.fit_step[slots].cpu().numpy()
        real = [(j, int(m), int(s)) for j, (m, s) in enumerate(zip(models, steps)) if m < len(self.indices)]
        if not real:
            return
        values = theta.double().cpu().numpy()
        for j, model, step in real:
            self.finished.setdefault(model, (step, values, self.layout, int(slots[j])))

    def _compact(self, theta, first_moment, second_moment):
        """Drop finished models (every remaining slot computes exactly as before)."""
        done = torch.nonzero(~self.active).reshape(-1)
        keep = torch.nonzero(self.active).reshape(-1)
        if keep.numel() < MIN_SLOTS:  # keep one finished slot too, frozen: it is never updated
            keep = torch.sort(torch.cat([keep, done[: MIN_SLOTS - keep.numel()]])).values
        self._harvest(theta, done)
        index = self.layout.gather_index(keep)
        self.active, self.fit_step, self.slot_model = self.active[keep], self.fit_step[keep], self.slot_model[keep]
        self.layout = _Layout(self.n, self.shape, int(keep.numel()))
        return theta[index], first_moment[index], second_moment[index]

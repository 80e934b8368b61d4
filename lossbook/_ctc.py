r"""The connectionist temporal classification (CTC) lattice, shared by ``losses`` and ``gradients``.

A target of :math:`S` labels is spread over :math:`T` steps by interleaving
blanks: the extended sequence :math:`l' = (b, l_1, b, l_2, \dots, l_S, b)` of
length :math:`2S + 1`. An alignment visits one position of :math:`l'` per
step, starting at position 0 or 1, moving on by 0, 1 or 2 positions (2 only
onto a label that differs from the label two places back: between two equal
labels the blank is compulsory), and ending at position :math:`2S` or
:math:`2S - 1`. With :math:`y_t(k)` the probability of class :math:`k` at step
:math:`t`:

- the forward variable :math:`\alpha_t(s)` is the total probability of the
  alignment prefixes that reach position :math:`s` at step :math:`t`, the
  emission :math:`y_t(l'_s)` included;
- the backward variable :math:`\beta_t(s)` is the total probability of the
  suffixes that complete the target from position :math:`s` at step
  :math:`t`, the emission at :math:`t` excluded (so :math:`\beta_{T-1}(s) = 1`
  at the two end positions);
- :math:`p(l \mid x) = \sum_s \alpha_t(s) \beta_t(s)` at every step, and the
  occupation :math:`\gamma_t(k) = \sum_{s: l'_s = k} \alpha_t(s) \beta_t(s) / p`
  is the posterior probability that step :math:`t` emits class :math:`k`.

Everything runs in log space, vectorised over the batch, one step of time
at a time: a product of a thousand probabilities of 0.1 is 1e-1000, far below
the smallest float64 (1e-308), while its logarithm, -2303, is an ordinary
number. Each sample stops at its own input length. float32 input is computed
in float64 inside, one step's slice converted at a time.
"""

from typing import NamedTuple

import numpy as np

from ._inputs import InvalidInputError, as_float_array

__all__ = [
    "CTCInputs",
    "ctc_inputs",
    "log_likelihood",
    "loss_values",
    "mean_denominators",
    "occupation",
]


class CTCInputs(NamedTuple):
    """``ctc_loss``'s arguments, validated and laid out as a batch."""

    log_probs: np.ndarray  #: (T, N, C), float32 or float64, not copied
    labels: np.ndarray  #: (N, S) class indices, padded with ``blank`` past each length
    input_lengths: np.ndarray  #: (N,) int64
    target_lengths: np.ndarray  #: (N,) int64
    blank: int
    unbatched: bool  #: the input was (T, C): the loss is 0-d

    @property
    def shape(self):
        """The shape of the per-sample losses: (N,), or () for one unbatched sample."""
        return () if self.unbatched else (self.log_probs.shape[1],)


def _integer_array(value, name):
    array = np.asarray(value)
    if array.dtype.kind not in "iu":
        raise InvalidInputError(f"'{name}' must hold integers (got dtype {array.dtype})")
    return array.astype(np.int64, copy=False)


def _lengths(value, name, batch, unbatched):
    lengths = _integer_array(value, name)
    if unbatched and lengths.shape in ((), (1,)):
        return lengths.reshape(1)
    if lengths.shape != (batch,):
        expected = "a 0-d array or shape (1,)" if unbatched else f"shape ({batch},)"
        raise InvalidInputError(
            f"'{name}' must hold one length per sample, {expected} (got shape {lengths.shape})"
        )
    return lengths


def _first(mask):
    """The index of the first True of ``mask`` (flat)."""
    return int(np.flatnonzero(mask)[0])


def ctc_inputs(log_probs, targets, input_lengths, target_lengths, blank):
    """Check ``ctc_loss``'s arguments as PyTorch does (and a little more) and lay them out.

    Raises
    ------
    InvalidInputError
        For a shape, length, dtype, blank or label PyTorch refuses, and for
        labels out of range or equal to the blank, which PyTorch's CPU kernel
        reads without checking (its documentation forbids both).
    """
    log_probs = as_float_array(log_probs, "log_probs")
    if log_probs.ndim not in (2, 3):
        raise InvalidInputError(
            f"'log_probs' must have shape (T, N, C) or, unbatched, (T, C) "
            f"(got shape {log_probs.shape})"
        )
    if log_probs.size == 0:
        raise InvalidInputError(f"'log_probs' must not be empty (got shape {log_probs.shape})")
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = log_probs[:, np.newaxis, :]
    steps, batch, classes = log_probs.shape
    if not isinstance(blank, (int, np.integer)) or isinstance(blank, (bool, np.bool_)):
        raise InvalidInputError(f"'blank' must be an integer class index (got {blank!r})")
    if not 0 <= blank < classes:
        raise InvalidInputError(
            f"'blank' must be a class index in [0, {classes}) (got {blank}): "
            "blank must be in label range"
        )
    input_lengths = _lengths(input_lengths, "input_lengths", batch, unbatched)
    target_lengths = _lengths(target_lengths, "target_lengths", batch, unbatched)
    outside = (input_lengths < 0) | (input_lengths > steps)
    if outside.any():
        n = _first(outside)
        raise InvalidInputError(
            f"'input_lengths' must lie in [0, {steps}], the number of steps of 'log_probs' "
            f"(got {input_lengths[n]} for sample {n})"
        )
    if (target_lengths < 0).any():
        n = _first(target_lengths < 0)
        raise InvalidInputError(
            f"'target_lengths' must be non-negative (got {target_lengths[n]} for sample {n})"
        )
    targets = _integer_array(targets, "targets")
    labels = _padded_labels(targets, target_lengths, batch, unbatched)
    used = np.arange(labels.shape[1]) < target_lengths[:, np.newaxis]
    wrong = used & ((labels < 0) | (labels >= classes))
    if wrong.any():
        n, i = np.argwhere(wrong)[0]
        raise InvalidInputError(
            f"'targets' holds class index {labels[n, i]} (sample {n}, label {i}), "
            f"out of range for {classes} classes"
        )
    wrong = used & (labels == blank)
    if wrong.any():
        n, i = np.argwhere(wrong)[0]
        raise InvalidInputError(
            f"'targets' holds the blank index {blank} (sample {n}, label {i}): "
            "a label cannot be the blank"
        )
    labels = np.where(used, labels, blank)
    return CTCInputs(log_probs, labels, input_lengths, target_lengths, int(blank), unbatched)


def _padded_labels(targets, target_lengths, batch, unbatched):
    """The labels as an (N, max length) array, from padded (N, S) or concatenated targets."""
    longest = int(target_lengths.max(initial=0))
    if unbatched or targets.ndim == 2:
        rows = targets.reshape(1, -1) if unbatched and targets.ndim == 1 else targets
        if unbatched and targets.ndim != 1:
            raise InvalidInputError(
                f"'targets' of one unbatched sample must have shape (S,) "
                f"(got shape {targets.shape})"
            )
        if rows.shape[0] != batch:
            raise InvalidInputError(
                f"padded 'targets' must have one row per sample, shape ({batch}, S) "
                f"(got shape {targets.shape})"
            )
        if longest > rows.shape[1]:
            n = _first(target_lengths > rows.shape[1])
            raise InvalidInputError(
                f"'target_lengths' must be at most the targets' length {rows.shape[1]} "
                f"(got {target_lengths[n]} for sample {n})"
            )
        return rows[:, :longest]
    if targets.ndim != 1:
        raise InvalidInputError(
            f"'targets' must be padded, shape (N, S), or concatenated, shape (sum of "
            f"target_lengths,) (got shape {targets.shape})"
        )
    total = int(target_lengths.sum())
    if targets.shape[0] != total:
        raise InvalidInputError(
            f"concatenated 'targets' must hold sum(target_lengths) = {total} labels "
            f"(got {targets.shape[0]})"
        )
    starts = np.concatenate([[0], np.cumsum(target_lengths)[:-1]])
    positions = starts[:, np.newaxis] + np.arange(longest)
    used = np.arange(longest) < target_lengths[:, np.newaxis]
    # Unused slots read label 0 (a sample may have none); ctc_inputs replaces them.
    return np.where(used, targets[np.where(used, positions, 0)], 0)


# --- the lattice ------------------------------------------------------------------


class _Lattice(NamedTuple):
    extended: np.ndarray  #: (N, 2S + 1) the class each position emits
    flat: np.ndarray  #: (N, 2S + 1) that class's index in one step's flattened (N, C) slice
    jump: np.ndarray  #: (N, 2S + 1) log 1 where position s may be reached from s - 2, else -inf


def _lattice(inputs):
    """The extended labels, where each is read from, and where the skip over a blank is allowed."""
    batch, longest = inputs.labels.shape
    classes = inputs.log_probs.shape[2]
    extended = np.full((batch, 2 * longest + 1), inputs.blank, np.int64)
    extended[:, 1::2] = inputs.labels
    # Position s may be reached from s - 2 only if it holds a label (odd s) that
    # differs from the label at s - 2: "aa" must pass through the blank between.
    jump = np.full(extended.shape, -np.inf)
    jump[:, 3::2] = np.where(inputs.labels[:, 1:] != inputs.labels[:, :-1], 0.0, -np.inf)
    flat = extended + classes * np.arange(batch)[:, np.newaxis]
    return _Lattice(extended, flat, jump)


def _log_add(a, b, c):
    """``log(e^a + e^b + e^c)`` element-wise, for log-probabilities that may be -inf.

    ``np.logaddexp`` forms log(e^a + e^b) as max(a, b) + log1p(e^{-|a - b|}):
    the exponent is never positive, so nothing overflows, and log1p keeps a
    term below the machine epsilon that log(1 + e) would round away. Terms of
    e^{-2000}, whose plain sum is 0, add up to an ordinary -2000 + log 2. Two
    -inf give -inf, not the NaN of -inf - (-inf). A NaN log-probability
    (NumPy warns of it) gives NaN quietly, as PyTorch does.
    """
    with np.errstate(invalid="ignore"):
        total = np.logaddexp(a, b)
        return np.logaddexp(total, c, out=total)


def _emissions(inputs, lattice, step):
    """:math:`\\log y_t(l'_s)` for every sample and position at one step, in float64."""
    return np.take(inputs.log_probs[step], lattice.flat).astype(np.float64, copy=False)


def _end_positions(inputs, length):
    """Log 1 at the two positions an alignment may end on (2S and 2S - 1), -inf elsewhere."""
    positions = np.arange(length)
    last = 2 * inputs.target_lengths[:, np.newaxis]
    ends = (positions == last) | ((positions == last - 1) & (last > 0))
    return np.where(ends, 0.0, -np.inf)


# A +inf log-probability meets the -inf of an unreachable position (inf - inf):
# NaN quietly, as in PyTorch, whether the step is read (the loss is NaN) or lies
# past the sample's input length (the result is discarded).
@np.errstate(invalid="ignore")
def _forward(inputs, lattice, keep):
    r"""Run the :math:`\alpha` recursion; return the final :math:`\alpha` (N, 2S + 1) and, with
    ``keep``, every step's (T, N, 2S + 1).

    :math:`\alpha_t(s) = y_t(l'_s)\,[\alpha_{t-1}(s) + \alpha_{t-1}(s-1)
    + [\text{skip}_s]\,\alpha_{t-1}(s-2)]`, started from a virtual step -1 that
    is at position 0 with probability 1, so that step 0 needs no special case
    (it reaches positions 0 and 1 only) and an input of length 0 leaves the
    virtual start in place. A sample whose input has ended keeps its last
    :math:`\alpha`.
    """
    steps = inputs.log_probs.shape[0]
    batch, length = lattice.extended.shape
    alpha = np.full((batch, length), -np.inf)
    alpha[:, 0] = 0.0
    advance, jump = np.full((batch, length), -np.inf), np.full((batch, length), -np.inf)
    history = np.empty((steps, batch, length)) if keep else None
    shortest = int(inputs.input_lengths.min())
    for step in range(steps):
        advance[:, 1:] = alpha[:, :-1]
        np.add(alpha[:, :-2], lattice.jump[:, 2:], out=jump[:, 2:])
        new = _log_add(alpha, advance, jump)
        new += _emissions(inputs, lattice, step)
        if step >= shortest:
            new = np.where((step < inputs.input_lengths)[:, np.newaxis], new, alpha)
        alpha = new
        if keep:
            history[step] = alpha
    return alpha, history


# A +inf log-probability meets the -inf of an unreachable position (inf - inf):
# NaN quietly, as in PyTorch, whether the step is read (the loss is NaN) or lies
# past the sample's input length (the result is discarded).
@np.errstate(invalid="ignore")
def _backward(inputs, lattice):
    r"""Every step's :math:`\beta` (T, N, 2S + 1), with :math:`\beta` excluding step t's emission.

    :math:`\beta_t(s) = \sum_{s' \in \{s, s+1, s+2\}} y_{t+1}(l'_{s'})\, \beta_{t+1}(s')`
    (s + 2 only where the skip onto it is allowed), started at each sample's
    last step :math:`t = T_n - 1` with 1 at the two end positions; -inf at
    and beyond :math:`T_n`, where the sample has no steps left.
    """
    steps = inputs.log_probs.shape[0]
    batch, length = lattice.extended.shape
    ends = _end_positions(inputs, length)
    beta = np.full((batch, length), -np.inf)
    advance, jump = np.full((batch, length), -np.inf), np.full((batch, length), -np.inf)
    history = np.empty((steps, batch, length))
    last = (inputs.input_lengths - 1)[:, np.newaxis]
    for step in range(steps - 1, -1, -1):
        if step + 1 < steps:
            # The suffix from s at t: emit y_{t+1} at the next position, then continue.
            onward = beta + _emissions(inputs, lattice, step + 1)
            advance[:, :-1] = onward[:, 1:]
            np.add(onward[:, 2:], lattice.jump[:, 2:], out=jump[:, :-2])
            beta = _log_add(onward, advance, jump)
        beta = np.where(step == last, ends, np.where(step < last, beta, -np.inf))
        history[step] = beta
    return history


def log_likelihood(inputs):
    """:math:`\\log p(l \\mid x)` per sample (N,), float64, by the forward recursion alone."""
    alpha, _ = _forward(inputs, _lattice(inputs), keep=False)
    return _read_out(inputs, alpha)


def _read_out(inputs, alpha):
    """Sum the final :math:`\\alpha` over the two end positions, in log space."""
    last = 2 * inputs.target_lengths[:, np.newaxis]
    at_last = np.take_along_axis(alpha, last, axis=1)[:, 0]
    before = np.take_along_axis(alpha, np.maximum(last - 1, 0), axis=1)[:, 0]
    # An empty target ends only at position 0: there is no position 2S - 1 = -1.
    before = np.where(inputs.target_lengths > 0, before, -np.inf)
    # log(e^a + e^b) by the same stable form as each step.
    with np.errstate(invalid="ignore"):
        return np.logaddexp(at_last, before)


def occupation(inputs):
    r"""The occupation :math:`\gamma_t(k)` (T, N, C) and :math:`\log p` (N,), both float64.

    :math:`\gamma_t(k) = \sum_{s: l'_s = k} \alpha_t(s)\beta_t(s) / p`, the
    posterior probability that an alignment emits class k at step t; 0 at
    and beyond each sample's input length, NaN before it where the target is
    impossible (p = 0, and 0/0 has no value).
    """
    steps, batch, classes = inputs.log_probs.shape
    lattice = _lattice(inputs)
    alpha_final, alpha = _forward(inputs, lattice, keep=True)
    log_p = _read_out(inputs, alpha_final)
    beta = _backward(inputs, lattice)
    # alpha_t(s) beta_t(s) <= p for every s (each is a part of the sum that makes
    # p at step t), so the exponent is <= 0 up to rounding: no overflow, and
    # what underflows is a posterior below 1e-308 that no sum can miss.
    with np.errstate(invalid="ignore"):
        posterior = np.exp(alpha + beta - log_p[:, np.newaxis])
    # Add the posterior of every position into the class it emits: one bincount
    # over flat (step, sample, class) indices instead of a loop over positions.
    flat = (np.arange(steps)[:, None, None] * batch + np.arange(batch)[None, :, None]) * classes
    flat = flat + lattice.extended[np.newaxis]
    gamma = np.bincount(flat.ravel(), posterior.ravel(), minlength=steps * batch * classes)
    gamma = gamma.reshape(steps, batch, classes)
    # An impossible target has p = 0 and alpha beta = 0 everywhere: 0/0 before
    # its input ends, as in PyTorch; so is a NaN p (a NaN or +inf log-probability
    # the sample reads), for every class. Past the end the sample has no steps: 0.
    undefined = ((log_p == -np.inf) | np.isnan(log_p))[np.newaxis, :, np.newaxis]
    before_end = (np.arange(steps)[:, np.newaxis] < inputs.input_lengths)[:, :, np.newaxis]
    gamma = np.where(before_end, np.where(undefined, np.nan, gamma), 0.0)
    return gamma, log_p


def loss_values(inputs, reduction, zero_infinity):
    """Each sample's loss, divided by its target length for 'mean' (float64, shape (N,))."""
    loss = -log_likelihood(inputs)
    if zero_infinity:
        loss = np.where(loss == np.inf, 0.0, loss)
    if reduction == "mean":
        loss = loss / mean_denominators(inputs)
    return loss


def mean_denominators(inputs):
    """'mean' divides each sample's loss by its target length, at least 1 (an empty target's
    loss, -sum log y_t(blank), is divided by 1), before averaging over the batch."""
    return np.maximum(inputs.target_lengths, 1).astype(np.float64)

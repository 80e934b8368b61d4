"""What is timed: for each loss and information measure, the same data in every implementation."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from scipy import special, stats

from lossbook import information, losses

TARGET_SIZE = 10**6

# Targets that cannot be met, with the measured reason (see RESULTS.md). A miss
# not listed here fails `make bench`. Each reason names the functions it covers.
_PASSES = (
    "PyTorch evaluates the whole element-wise chain in one fused loop split over both cores; "
    "NumPy "
    "makes one single-threaded pass per operation (subtract, abs, square or exp, log1p, multiply, "
    "add, sum), so a loss of k operations costs about k passes against PyTorch's half of one. The "
    "`torch (1 thread)` and `lossbook / floor` columns show the two halves of that gap."
)
_GATHER = (
    "the loss reads one value per row at a random column: NumPy's `take_along_axis` alone takes "
    "about as long as PyTorch's whole call, before the class indices are checked against the "
    "number of classes and the ignored targets masked (PyTorch checks the bounds inside its one "
    "loop)."
)
_SHORT_ROWS = (
    "every reduction along the class axis (the row maximum, the argmax that lets log1p keep a "
    "near-certain class accurate, the row sum) runs over rows of ten numbers, where NumPy's "
    "per-row "
    "overhead dominates (compare the same code at C = 1000 in the tables)."
)
_VALIDATED = (
    "each measure first checks that its arguments are distributions (a range check and a row sum "
    "per argument, about a quarter of the time; PyTorch checks nothing) and then sums rows of ten "
    "numbers, where NumPy's per-row reduction overhead dominates."
)
_TWO_TERMS = (
    "the loss is the sum of two weighted logarithms (or softplus terms), each of which needs an "
    "array of "
    "its own until they are added: forming b + y (a - b) instead would save one and cancel a "
    "small term "
    "against a large one, the accuracy chapter 6 measures."
)
_ELEMENT_WISE = (
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "binary_cross_entropy",
    "soft_margin_loss",
    "multilabel_soft_margin_loss",
    "kl_div",
)
_FLOAT64_INSIDE = (
    "float32 input is computed in float64 inside the stable primitives (softplus, log-sum-exp), "
    "which makes float32 results correctly rounded or nearly (chapter 6 measures it) at the price "
    "of float64 temporaries, twice the bytes of a float32 one, and of float64 speed."
)
_PAIRS = (
    "the hinge is formed for every (target, other class) pair of a sample at once, an array of "
    "N x C x C (or N x C for multi_margin_loss, plus the mask of the target column); PyTorch's "
    "kernel loops over the pairs without storing them."
)
_NEW_LOSSES = (
    "poisson_nll_loss",
    "gaussian_nll_loss",
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "cosine_embedding_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
)
_VOCABULARY = (
    "lossbook computes float32 in float64 (the chunks' logits too) and on one core, chunk by "
    "chunk, where PyTorch forms the logits once in float32 over both cores; the chunking that "
    "keeps lossbook's memory at a fraction of the logits costs a pass of Python per chunk."
)
_ADAPTIVE = (
    "each cluster's rows are gathered into a new array, projected and soft-maxed on one core in "
    "float64; PyTorch does the same gathering in float32 over both cores."
)
_CTC_LOOP = (
    "the forward recursion is a Python loop over the T = 200 time steps, each making about eight "
    "NumPy passes (two shifts, two logaddexp, the gather of the step's log-probabilities, the "
    "emission added, the samples whose input has ended held) over an N x (2S + 1) array, where "
    "PyTorch's kernel runs the same recursion as one compiled loop per sample, split over both "
    "cores; float32 input is carried in float64 (the log-likelihoods reach the hundreds, where "
    "float32 keeps four or five digits), one step's slice converted at a time, while PyTorch "
    "computes in float32. Measured once, float32 1.9x and float64 1.0x PyTorch at 1e6 elements, "
    "1.3x and 1.15x at 1e7, with at most 0.3 input-sized temporaries."
)
EXPLAINED = [
    ("speed", ("ctc_loss",), _CTC_LOOP),
    ("speed", ("linear_cross_entropy",), _VOCABULARY),
    ("speed", ("adaptive_log_softmax",), _ADAPTIVE),
    ("speed", _NEW_LOSSES, _PASSES),
    ("memory", ("multi_margin_loss", "multilabel_margin_loss"), _PAIRS),
    (
        "memory",
        (
            "soft_margin_loss",
            "binary_cross_entropy_with_logits",
            "multilabel_soft_margin_loss",
            "cross_entropy",
            "gaussian_nll_loss",
            "triplet_margin",
            "cosine_embedding_loss",
        ),
        _FLOAT64_INSIDE,
    ),
    ("floor", ("cross_entropy (C=1000)",), _FLOAT64_INSIDE),
    ("speed", _ELEMENT_WISE, _PASSES),
    ("speed", ("nll_loss",), _GATHER),
    ("speed", ("cross_entropy (C=10)",), _SHORT_ROWS),
    ("speed", ("cross_entropy (C=1000)",), _PASSES),
    ("floor", ("cross_entropy (C=10)",), _SHORT_ROWS),
    ("speed", ("information.",), _VALIDATED),
    ("memory", ("binary_cross_entropy", "multilabel_soft_margin_loss"), _TWO_TERMS),
]


def explained_miss(case, target):
    """The reason a target is missed for ``case``, or None if the miss is not explained."""
    for missed, prefixes, reason in EXPLAINED:
        if missed == target and case.startswith(prefixes):
            return reason
    return None


@dataclass
class Data:
    implementations: dict
    floor: Callable
    input_bytes: int
    size: int


def _one_thread(call):
    def run():
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return call()
        finally:
            torch.set_num_threads(threads)

    return run


def _with_torch(numpy_call, torch_call, reference, floor, input_array, sklearn_call=None):
    implementations = {
        "lossbook": numpy_call,
        "torch": torch_call,
        "torch (1 thread)": _one_thread(torch_call),
    }
    if reference is not None:
        implementations["numpy/scipy"] = reference
    if sklearn_call is not None:
        implementations["sklearn"] = sklearn_call
    return Data(implementations, floor, input_array.nbytes, input_array.size)


def _buffer_floor(ufunc, *arrays):
    out = np.empty_like(arrays[0])
    return lambda: ufunc(*arrays, out=out)


@dataclass
class Case:
    name: str
    make: Callable


def _regression(name, reference):
    def make(size, dtype):
        rng = np.random.default_rng(0)
        x, y = rng.normal(0, 2, size).astype(dtype), rng.normal(0, 2, size).astype(dtype)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        return _with_torch(
            lambda: getattr(losses, name)(x, y),
            lambda: getattr(F, name)(tx, ty),
            lambda: reference(x, y),
            _buffer_floor(np.subtract, x, y),
            x,
        )

    return Case(name, make)


def _binary(name, reference, *, logits, sklearn=False):
    def make(size, dtype):
        rng = np.random.default_rng(1)
        x = rng.normal(0, 3, size).astype(dtype)
        y = (rng.uniform(size=size) < 0.5).astype(dtype)
        if name == "soft_margin_loss":
            y = 2 * y - 1
        p = x if logits else (1 / (1 + np.exp(-x))).astype(dtype)
        tp, ty = torch.from_numpy(p), torch.from_numpy(y)
        sklearn_call = None
        if sklearn:
            from sklearn.metrics import log_loss

            sklearn_call = lambda: log_loss(y, p, labels=[0, 1])  # noqa: E731
        floor = _buffer_floor(np.exp if logits else np.log, p)
        return _with_torch(
            lambda: getattr(losses, name)(p, y),
            lambda: getattr(F, name)(tp, ty),
            lambda: reference(p, y),
            floor,
            p,
            sklearn_call,
        )

    return Case(name, make)


def _cross_entropy(classes):
    def make(size, dtype):
        rng = np.random.default_rng(2)
        rows = max(size // classes, 1)
        x = rng.normal(0, 3, (rows, classes)).astype(dtype)
        target = rng.integers(0, classes, rows)
        tx, tt = torch.from_numpy(x), torch.from_numpy(target)
        index = np.arange(rows)

        def reference():
            return -np.mean((x - special.logsumexp(x, axis=1, keepdims=True))[index, target])

        from sklearn.metrics import log_loss

        def sklearn_call():
            probabilities = special.softmax(x, axis=1)
            return log_loss(target, probabilities, labels=np.arange(classes))

        return _with_torch(
            lambda: losses.cross_entropy(x, target),
            lambda: F.cross_entropy(tx, tt),
            reference,
            _buffer_floor(np.exp, x),
            x,
            sklearn_call if rows * classes <= 10**6 else None,
        )

    return Case(f"cross_entropy (C={classes})", make)


def _nll():
    def make(size, dtype):
        rng = np.random.default_rng(3)
        rows = size // 10
        x = special.log_softmax(rng.normal(0, 3, (rows, 10)), axis=1).astype(dtype)
        target = rng.integers(0, 10, rows)
        tx, tt = torch.from_numpy(x), torch.from_numpy(target)
        index = np.arange(rows)
        return _with_torch(
            lambda: losses.nll_loss(x, target),
            lambda: F.nll_loss(tx, tt),
            lambda: -np.mean(x[index, target]),
            _buffer_floor(np.negative, x),
            x,
        )

    return Case("nll_loss (C=10)", make)


def _distribution_pair(size, dtype, seed):
    rng = np.random.default_rng(seed)
    rows = size // 10
    p = rng.dirichlet(np.ones(10), rows).astype(dtype)
    q = rng.dirichlet(np.ones(10), rows).astype(dtype)
    return p, q


def _kl_div():
    def make(size, dtype):
        p, q = _distribution_pair(size, dtype, 4)
        log_q = np.log(q)
        tq, tp = torch.from_numpy(log_q), torch.from_numpy(p)
        return _with_torch(
            lambda: losses.kl_div(log_q, p, reduction="batchmean"),
            lambda: F.kl_div(tq, tp, reduction="batchmean"),
            lambda: np.sum(special.rel_entr(p, q)) / len(p),
            _buffer_floor(np.log, p),
            p,
        )

    return Case("kl_div (batchmean, C=10)", make)


def _multilabel():
    def make(size, dtype):
        rng = np.random.default_rng(5)
        x = rng.normal(0, 3, (size // 10, 10)).astype(dtype)
        y = (rng.uniform(size=x.shape) < 0.5).astype(dtype)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)

        def reference():
            return np.mean(-(y * special.log_expit(x) + (1 - y) * special.log_expit(-x)))

        return _with_torch(
            lambda: losses.multilabel_soft_margin_loss(x, y),
            lambda: F.multilabel_soft_margin_loss(tx, ty),
            reference,
            _buffer_floor(np.exp, x),
            x,
        )

    return Case("multilabel_soft_margin_loss", make)


def _information(name, torch_call, reference):
    def make(size, dtype):
        p, q = _distribution_pair(size, dtype, 6)
        tp, tq = torch.from_numpy(p), torch.from_numpy(q)
        ours = (
            (lambda: information.entropy(p))
            if name == "entropy"
            else (lambda: getattr(information, name)(p, q))
        )
        return _with_torch(
            ours, lambda: torch_call(tp, tq), lambda: reference(p, q), _buffer_floor(np.log, p), p
        )

    return Case(f"information.{name} (C=10)", make)


def _arrays(name, build, torch_options=None, reference=None):
    """A case for a loss of several arrays: ``build(rng, size, dtype) -> (args, options)``."""

    def make(size, dtype):
        args, options = build(np.random.default_rng(7), size, dtype)
        tensors = [torch.from_numpy(a) if isinstance(a, np.ndarray) else a for a in args]
        torch_kw = options if torch_options is None else torch_options
        first = args[0]
        return _with_torch(
            lambda: getattr(losses, name)(*args, **options),
            lambda: getattr(F, name)(*tensors, **torch_kw),
            (lambda: reference(*args)) if reference else None,
            _buffer_floor(np.negative, first),
            first,
        )

    return Case(name, make)


def _counts(rng, size, dtype):
    log_rate = rng.normal(0, 1, size).astype(dtype)
    return (log_rate, rng.poisson(np.exp(log_rate)).astype(dtype)), {}


def _heteroscedastic(rng, size, dtype):
    mean, target = rng.normal(0, 1, (2, size)).astype(dtype)
    return (mean, target, rng.uniform(0.1, 2, size).astype(dtype)), {}


def _ranked(rng, size, dtype):
    x1, x2 = rng.normal(0, 1, (2, size)).astype(dtype)
    return (x1, x2, np.where(rng.uniform(size=size) < 0.5, -1, 1).astype(dtype)), {}


def _distances(rng, size, dtype):
    distance = rng.uniform(0, 2, size).astype(dtype)
    return (distance, np.where(rng.uniform(size=size) < 0.5, -1, 1).astype(dtype)), {}


def _embedding_pairs(rng, size, dtype):
    x1, x2 = rng.normal(0, 1, (2, size // 16, 16)).astype(dtype)
    return (x1, x2, np.where(rng.uniform(size=size // 16) < 0.5, -1, 1).astype(dtype)), {}


def _triplets(rng, size, dtype):
    return tuple(rng.normal(0, 1, (3, size // 16, 16)).astype(dtype)), {}


def _class_scores(rng, size, dtype):
    scores = rng.normal(0, 1, (size // 10, 10)).astype(dtype)
    return (scores, rng.integers(0, 10, size // 10)), {}


def _label_lists(rng, size, dtype):
    scores = rng.normal(0, 1, (size // 10, 10)).astype(dtype)
    labels = np.argsort(rng.uniform(size=scores.shape), axis=1)
    labels[:, 3:] = -1  # three target classes per sample
    return (scores, labels), {}


def _ctc():
    """CTC over 32 classes (letters and a blank): T = 200 steps once the size allows, the
    batch growing with the size, targets of T/8 to T/4 labels, padded."""

    def make(size, dtype):
        rng = np.random.default_rng(8)
        classes = 32
        steps = int(min(200, max(size // classes, 20)))
        batch = max(size // (steps * classes), 1)
        logits = rng.normal(0, 2, (steps, batch, classes))
        log_probs = special.log_softmax(logits, axis=-1).astype(dtype)
        targets = rng.integers(1, classes, (batch, steps // 4))
        input_lengths = np.full(batch, steps)
        target_lengths = rng.integers(steps // 8, steps // 4 + 1, batch)
        tensors = [torch.from_numpy(a) for a in (log_probs, targets, input_lengths)]
        tensors.append(torch.from_numpy(target_lengths))
        return _with_torch(
            lambda: losses.ctc_loss(log_probs, targets, input_lengths, target_lengths),
            lambda: F.ctc_loss(*tensors),
            None,
            _buffer_floor(np.negative, log_probs),
            log_probs,
        )

    return Case("ctc_loss (C=32)", make)


def _linear_cross_entropy(classes=1000, hidden=64):
    """The fused linear cross-entropy: N = size / C rows of 64 features, C = 1000 classes.
    Its memory is reported in multiples of the N x C logits the unfused form would hold."""

    def make(size, dtype):
        rng = np.random.default_rng(9)
        rows = max(size // classes, 1)
        x = rng.normal(0, 1, (rows, hidden)).astype(dtype)
        weight = rng.normal(0, 0.2, (classes, hidden)).astype(dtype)
        target = rng.integers(0, classes, rows)
        tx, tw, tt = (torch.from_numpy(a) for a in (x, weight, target))
        logits = np.empty((rows, classes), dtype)
        return Data(
            {
                "lossbook": lambda: losses.linear_cross_entropy(x, weight, target),
                "torch": lambda: F.linear_cross_entropy(tx, tw, tt),
                "torch (1 thread)": _one_thread(lambda: F.linear_cross_entropy(tx, tw, tt)),
                "numpy/scipy": lambda: losses.cross_entropy(x @ weight.T, target),
            },
            lambda: np.matmul(x, weight.T, out=logits),
            logits.nbytes,
            logits.size,
        )

    return Case(f"linear_cross_entropy (C={classes})", make)


def _adaptive_log_softmax(classes=1000, hidden=64, cutoffs=(100, 400)):
    """The adaptive softmax of C = 1000 classes (shortlist 100, clusters of 300 and 600,
    Zipf-distributed targets), N = size / C rows; memory in multiples of the N x C logits
    of a full softmax."""

    def make(size, dtype):
        rng = np.random.default_rng(10)
        rows = max(size // classes, 1)
        x = rng.normal(0, 1, (rows, hidden)).astype(dtype)
        bounds = (*cutoffs, classes)
        head = rng.normal(0, 0.2, (cutoffs[0] + len(cutoffs), hidden)).astype(dtype)
        tails = [
            (
                rng.normal(0, 0.2, (hidden // 4 ** (i + 1), hidden)).astype(dtype),
                rng.normal(0, 0.2, (bounds[i + 1] - bounds[i], hidden // 4 ** (i + 1))).astype(
                    dtype
                ),
            )
            for i in range(len(cutoffs))
        ]
        target = np.minimum(rng.zipf(1.3, rows) - 1, classes - 1)
        module = torch.nn.AdaptiveLogSoftmaxWithLoss(hidden, classes, list(cutoffs))
        module = module.to(torch.float32 if dtype == np.float32 else torch.float64)
        with torch.no_grad():
            module.head.weight.copy_(torch.from_numpy(head))
            for (projection, output), tail in zip(tails, module.tail, strict=True):
                tail[0].weight.copy_(torch.from_numpy(projection))
                tail[1].weight.copy_(torch.from_numpy(output))
        tx, tt = torch.from_numpy(x), torch.from_numpy(target)

        def torch_call():
            with torch.no_grad():
                return module(tx, tt)

        head_logits = np.empty((rows, head.shape[0]), dtype)
        return Data(
            {
                "lossbook": lambda: losses.adaptive_log_softmax(x, target, head, tails, cutoffs),
                "torch": torch_call,
                "torch (1 thread)": _one_thread(torch_call),
            },
            lambda: np.matmul(x, head.T, out=head_logits),
            rows * classes * np.dtype(dtype).itemsize,
            rows * classes,
        )

    return Case(f"adaptive_log_softmax (C={classes})", make)


def all_cases():
    return [
        _linear_cross_entropy(),
        _adaptive_log_softmax(),
        _ctc(),
        _arrays(
            "poisson_nll_loss",
            _counts,
            reference=lambda x, t: np.mean(np.exp(x) - t * x),
        ),
        _arrays(
            "gaussian_nll_loss",
            _heteroscedastic,
            reference=lambda x, t, v: np.mean(0.5 * (np.log(v) + (x - t) ** 2 / v)),
        ),
        _arrays(
            "margin_ranking_loss",
            _ranked,
            reference=lambda a, b, t: np.mean(np.maximum(0, -t * (a - b))),
        ),
        _arrays(
            "hinge_embedding_loss",
            _distances,
            reference=lambda x, t: np.mean(np.where(t == 1, x, np.maximum(0, 1 - x))),
        ),
        _arrays("cosine_embedding_loss", _embedding_pairs),
        _arrays("triplet_margin_loss", _triplets),
        _arrays("triplet_margin_with_distance_loss", _triplets),
        _arrays("multi_margin_loss", _class_scores),
        _arrays("multilabel_margin_loss", _label_lists),
        _regression("mse_loss", lambda x, y: np.mean((x - y) ** 2)),
        _regression("l1_loss", lambda x, y: np.mean(np.abs(x - y))),
        _regression("smooth_l1_loss", lambda x, y: np.mean(special.huber(1.0, x - y))),
        _regression("huber_loss", lambda x, y: np.mean(special.huber(1.0, x - y))),
        _binary(
            "binary_cross_entropy",
            lambda p, y: -np.mean(special.xlogy(y, p) + special.xlog1py(1 - y, -p)),
            logits=False,
            sklearn=True,
        ),
        _binary(
            "binary_cross_entropy_with_logits",
            lambda x, y: -np.mean(y * special.log_expit(x) + (1 - y) * special.log_expit(-x)),
            logits=True,
        ),
        _binary("soft_margin_loss", lambda x, y: -np.mean(special.log_expit(y * x)), logits=True),
        _multilabel(),
        _nll(),
        _cross_entropy(10),
        _cross_entropy(1000),
        _kl_div(),
        _information(
            "entropy",
            lambda p, q: torch.special.entr(p).sum(-1),
            lambda p, q: stats.entropy(p, axis=-1),
        ),
        _information(
            "cross_entropy",
            lambda p, q: -torch.special.xlogy(p, q).sum(-1),
            lambda p, q: -np.sum(special.xlogy(p, q), axis=-1),
        ),
        _information(
            "kl_divergence",
            lambda p, q: F.kl_div(q.log(), p, reduction="none").sum(-1),
            lambda p, q: stats.entropy(p, q, axis=-1),
        ),
    ]

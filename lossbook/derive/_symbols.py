"""Private helpers shared by the ``lossbook.derive`` modules (the only place they live)."""

import sympy as sp


def _sample(*sequences):
    """Sympify equal-length sequences (a lone expression is a sequence of one)."""
    out = []
    for seq in sequences:
        if isinstance(seq, (list, tuple)):
            out.append([sp.sympify(v) for v in seq])
        else:
            out.append([sp.sympify(seq)])
    lengths = {len(s) for s in out}
    if len(lengths) != 1:
        raise ValueError(f"the sequences have different lengths: {sorted(len(s) for s in out)}")
    if 0 in lengths:
        raise ValueError("the sample is empty")
    return out


def _sigmoid(z):
    """The logistic function as SymPy sees it (lossbook.activations.sigmoid is its twin)."""
    return 1 / (1 + sp.exp(-z))

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


def _vector(values, name):
    """A list of sympified entries; a vector needs at least one."""
    out = [sp.sympify(v) for v in values]
    if not out:
        raise ValueError(f"{name} is empty: give at least one entry")
    return out


def _vectors(**named):
    """Sympified vectors of one length, in the order given; an error names them and their lengths."""
    out = [_vector(values, name) for name, values in named.items()]
    lengths = [len(v) for v in out]
    if len(set(lengths)) > 1:
        names, sizes = list(named), [str(n) for n in lengths]
        raise ValueError(
            f"{', '.join(names[:-1])} and {names[-1]} have lengths {', '.join(sizes[:-1])} "
            f"and {sizes[-1]}"
        )
    return out

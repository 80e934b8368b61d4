"""SymPy derivations that the chapters carry out; every function returns expressions.

The modules mirror the numeric package, one topic each, and every public name
is re-exported here, so that chapters write ``from lossbook import derive``:

likelihoods
    Likelihoods, their logarithms and their maximisers: Bernoulli, binomial
    (the coin), Gaussian and Laplace noise, categorical.
information
    Self-information from its axioms; binary cross-entropy from the definition
    of cross-entropy; cross-entropy as entropy plus KL divergence; label
    smoothing.
logits
    Losses as functions of the logit: binary cross-entropy of a sigmoid in its
    three forms, squared error through a sigmoid, their derivatives, the
    two-class softmax as a sigmoid.
backpropagation
    The backward pass of a sigmoid layer and of a single neuron over a batch,
    and the loss recovered from the gradient one wishes for.
margins
    The multi-class hinges and their subgradients, the softmax cross-entropy
    as a smooth hinge, the triplet and cosine gradients (chapter 8).
sequences
    CTC on a tiny lattice: the collapse map, every alignment of a short label,
    the brute-force sum over them, the forward and backward recursions and the
    gradient from their product (chapter 9).
vocabulary
    Large vocabularies: the linear layer's cross-entropy gradient as a sum of
    per-row outer products (so chunks add), the adaptive softmax's
    factorisation into head and cluster probabilities, and its cost model
    (chapter 9).
display
    LaTeX for long expressions and step-by-step derivations that fit a page
    column.
"""

from lossbook.derive import (
    backpropagation,
    display,
    information,
    likelihoods,
    logits,
    margins,  # noqa: E402
    sequences,  # noqa: E402
    vocabulary,
)
from lossbook.derive.backpropagation import *  # noqa: F401,F403
from lossbook.derive.display import *  # noqa: F401,F403
from lossbook.derive.information import *  # noqa: F401,F403
from lossbook.derive.likelihoods import *  # noqa: F401,F403
from lossbook.derive.logits import *  # noqa: F401,F403
from lossbook.derive.margins import *  # noqa: F401,F403
from lossbook.derive.sequences import *  # noqa: F401,F403
from lossbook.derive.vocabulary import *  # noqa: F401,F403

__all__ = (
    likelihoods.__all__
    + information.__all__
    + logits.__all__
    + backpropagation.__all__
    + display.__all__
    + margins.__all__
    + sequences.__all__
    + vocabulary.__all__
)

"""SymPy derivations that the chapters carry out; every function returns expressions.

Submodules, re-exported here so that chapters write ``from lossbook import derive``:

likelihood
    Likelihoods and their logarithms: coin, Bernoulli, Gaussian, Laplace,
    multinomial; self-information from its axioms (chapters 1 and 2).
from_gradient
    The backward pass, and cross-entropy recovered by integrating the gradient
    one wishes for (chapters 3 and 4).
classification
    Sigmoid against softmax, and the Bernoulli maximum-likelihood estimate
    (chapter 5).
"""
from .likelihood import *  # noqa: F401,F403
from .from_gradient import *  # noqa: F401,F403
from .classification import *  # noqa: F401,F403
from .display import *  # noqa: F401,F403

"""Loss functions of machine learning, derived, implemented once, checked against PyTorch.

Modules
-------
activations
    ``sigmoid``, ``log_sigmoid``, ``softmax``, ``log_softmax``, ``logsumexp``.
information
    Self-information, entropy, cross-entropy and KL divergence of distributions.
losses
    The losses of ``torch.nn.functional`` under the same names, plus margin losses.
gradients
    The closed-form gradient of each loss with respect to its input.
derive
    SymPy derivations that the chapters carry out.
testing
    ``assert_close`` and ``ulp_error``: the one comparison, with one set of
    tolerances, that the tests and the chapters use.
"""

from ._inputs import InvalidInputError

__all__ = ["InvalidInputError"]
__version__ = "0.1.0"

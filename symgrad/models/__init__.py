"""Models, losses over data, matrix-form losses, and the torch.nn.Module bridge.

* :mod:`.scalar` -- models that are symbolic expressions in named parameters
  (:class:`LinearModel`, :class:`PolynomialModel`, :class:`HypersphereModel`),
  their squared-error loss over a small dataset as one exact :class:`~symgrad.Function`
  built from sufficient statistics, the closed-form least-squares answer, and :func:`fit`.
* :mod:`.matrix` -- losses over large datasets as expressions in matrix symbols
  ``X, y, w, b`` with closed-form gradient and Hessian evaluated with BLAS
  (:class:`MatrixLoss`, :func:`least_squares_loss`, :func:`logistic_loss`),
  :class:`LinearClassifier` and :func:`rasterize`.
* :mod:`.datasets` -- seeded toy data shaped like the chapter's figure 3.1
  (:func:`two_clusters`, :func:`cluster_in_ring`).
* :mod:`.torch_module` -- :func:`to_torch_module`: a symbolic expression as a
  ``torch.nn.Module`` whose backward pass uses the symbolic partial derivatives.
"""

from .datasets import cluster_in_ring, two_clusters
from .matrix import LinearClassifier, MatrixLoss, least_squares_loss, logistic_loss, rasterize, sigmoid, softplus
from .scalar import HypersphereModel, LinearModel, Model, PolynomialModel, fit, least_squares, squared_error
from .torch_module import to_torch_module

__all__ = [
    "two_clusters",
    "cluster_in_ring",
    "Model",
    "LinearModel",
    "PolynomialModel",
    "HypersphereModel",
    "squared_error",
    "least_squares",
    "fit",
    "MatrixLoss",
    "least_squares_loss",
    "logistic_loss",
    "LinearClassifier",
    "rasterize",
    "sigmoid",
    "softplus",
    "to_torch_module",
]

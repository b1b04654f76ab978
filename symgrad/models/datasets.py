"""Small synthetic datasets shaped like the chapter's figure 3.1, for demos, plots and tests.

Both are seeded (``numpy.random.default_rng``), so the same seed gives the same points everywhere.
"""

from __future__ import annotations

import numpy as np

__all__ = ["two_clusters", "cluster_in_ring"]


def two_clusters(seed: int = 3, size: int = 25) -> tuple[np.ndarray, np.ndarray]:
    """Two clouds, "car" and "giraffe", that a line separates (figure 3.1a): ``(points (2·size, 2), labels)``.

    Example:
        >>> points, labels = two_clusters()
        >>> points.shape, sorted(set(labels.tolist()))
        ((50, 2), ['car', 'giraffe'])
    """
    rng = np.random.default_rng(seed)
    points = np.vstack([rng.normal([-2.0, -1.0], 0.6, (size, 2)), rng.normal([2.0, 1.5], 0.6, (size, 2))])
    return points, np.array(["car"] * size + ["giraffe"] * size)


def cluster_in_ring(seed: int = 4, size: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """A cloud, "horse", inside a ring, "zebra", that a circle separates (figure 3.1b).

    The cloud lies within radius 1.3 and the ring between radii 2.6 and 3.4.

    Example:
        >>> points, labels = cluster_in_ring()
        >>> bool((np.hypot(*points[labels == "horse"].T) <= 1.3).all())
        True
    """
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi, 2 * size)
    radius = np.r_[rng.uniform(0, 1.3, size), rng.uniform(2.6, 3.4, size)]
    points = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return points, np.array(["horse"] * size + ["zebra"] * size)

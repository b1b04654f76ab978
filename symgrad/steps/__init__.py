"""Worked derivations as data: :class:`Derivation`, :class:`Step` and the ``explain`` entries.

* :mod:`.core` -- the data (Derivation, Step, Math and display atoms) and the
  independent checks behind every number;
* :mod:`.explain` -- one entry per kind of question (``explain.gradient``, ...);
* :mod:`.chapter` -- every workout of the course chapter, in order.
"""

from .chapter import WORKOUTS, chapter_workouts
from .core import Apply, Ascending, Check, Deriv, Derivation, Grad, Math, Name, Row, Step
from .explain import Explain, explain

__all__ = ["Derivation", "Step", "Math", "Check", "Ascending", "Apply", "Deriv", "Grad", "Name", "Row", "Explain", "explain",
           "chapter_workouts", "WORKOUTS"]

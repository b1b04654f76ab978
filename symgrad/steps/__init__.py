"""Worked derivations as data: :class:`Derivation`, :class:`Step` and the ``explain`` entries.

* :mod:`.atoms` -- the display atoms (Math, Deriv, Grad, Apply, Name, Row);
* :mod:`.core` -- the data (Derivation, Step) and the independent checks behind every number;
* :mod:`.printing`, :mod:`.layout` -- atoms printed as text and LaTeX, a derivation laid out as text,
  Markdown, LaTeX and a dictionary (so ``str(d)`` needs nothing from :mod:`symgrad.rendering`,
  which imports this stage, never the reverse);
* :mod:`.kinds` -- one small module per kind of derivation;
* :mod:`.explain` -- the table of kinds, :data:`~.explain.KINDS`, behind ``explain.gradient``, ...;
* :mod:`.chapter` -- every workout of the course chapter, in order.
"""

from .chapter import WORKOUTS, chapter_workouts
from .core import Apply, Ascending, Check, Deriv, Derivation, Grad, Math, Name, Row, Step
from .explain import Explain, explain

__all__ = ["Derivation", "Step", "Math", "Check", "Ascending", "Apply", "Deriv", "Grad", "Name", "Row", "Explain", "explain",
           "chapter_workouts", "WORKOUTS"]

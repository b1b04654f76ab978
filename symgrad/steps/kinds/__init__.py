"""The kinds of worked derivation, one small module each; :data:`symgrad.steps.explain.KINDS` is their table.

* :mod:`.gradient` -- partial derivatives and the gradient;
* :mod:`.hessian` -- the Hessian and eigenvalues;
* :mod:`.descent` -- derivative_step, gd_step, descent, workout (the iterative kinds);
* :mod:`.loss` -- loss and loss_change;
* :mod:`.critical` -- critical points; :mod:`.convexity` -- convexity (chords in :mod:`._chord`);
* :mod:`.taylor`, :mod:`.level_set`;
* :mod:`.backprop` -- backprop and accumulation; :mod:`.jacobian`.

Shared helpers: :mod:`._shared` here and :mod:`symgrad.steps._support`. This package imports nothing,
so a kind module never pulls in the table that lists it.
"""

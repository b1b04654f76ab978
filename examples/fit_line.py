"""The chapter's workout (section 4.2) in symgrad: exact loss, closed form, gradient descent, diagnostics.

Run: python examples/fit_line.py
"""
import sympy as sp

from symgrad.models import LinearModel, least_squares, squared_error
from symgrad.optimize import gradient_descent, predicted_steps, stable_learning_rate

xs, ys = [1, 2, 3, 4, 5], [3, 5, 7, 9, 11]
L = squared_error(LinearModel(), xs, ys)  # exact: built from Σx=15, Σx²=55, Σy=35, Σxy=125, Σy²=285
print("L(w, b) =", L.expr)
print("L(1.5, 1.0) =", L.at(w=sp.Rational(3, 2), b=1), "(chapter: 13.75)")
print("closed form:", least_squares(LinearModel(), xs, ys), "with loss", L.at(w=2, b=1), "(chapter: w=2, b=1, loss 0)")
eta_max = stable_learning_rate(L)
print("largest stable learning rate 2/λmax =", eta_max, "≈", float(eta_max))
eta = sp.Rational(1, 100)
t = gradient_descent(L, (sp.Rational(3, 2), 1), eta, max_steps=2, tol=0)
print("two exact steps with η = 1/100:", t.points)
t = gradient_descent(L, (1.5, 1.0), 0.01, max_steps=20000, tol=1e-9)
print(f"float run: {t.steps} steps, stop: {t.stop_reason}, final ({t.final[0]:.9f}, {t.final[1]:.9f})")
print(predicted_steps(L, 0.01, tol=1e-9).reason)
bad = gradient_descent(L, (1.5, 1.0), 0.04, max_steps=200)
print(f"η = 0.04: {bad.stop_reason} at step {bad.diverged_at}: {bad.advice}")

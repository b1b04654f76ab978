"""Chapter 12.6 (linear vs quadratic model on quadratic data) as written, side by side with symgrad.

Run: python examples/chapter_pytorch_nonlinear.py
"""
import numpy as np
import torch

from symgrad.models import LinearModel, PolynomialModel, least_squares, squared_error
from symgrad.optimize import gradient_descent, predicted_steps

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)

x = 10 * torch.rand(100) - 5
y = x**2 - x + 2 + torch.randn(100)

w = torch.randn(1, requires_grad=True)
b = torch.randn(1, requires_grad=True)
linear_start = [w.item(), b.item()]
for step in range(1000):
    y_pred = w * x + b
    loss = torch.mean((y_pred - y) ** 2)
    loss.backward()
    with torch.no_grad():
        w -= 0.001 * w.grad
        b -= 0.001 * b.grad
        w.grad.zero_()
        b.grad.zero_()
print(f"Linear model loss: {loss.item():.2f}      chapter: ~15-20")

w0 = torch.randn(1, requires_grad=True)
w1 = torch.randn(1, requires_grad=True)
w2 = torch.randn(1, requires_grad=True)
quad_start = [w0.item(), w1.item(), w2.item()]
for step in range(1000):
    y_pred = w0 + w1 * x + w2 * (x ** 2)
    loss = torch.mean((y_pred - y) ** 2)
    loss.backward()
    with torch.no_grad():
        w0 -= 0.001 * w0.grad
        w1 -= 0.001 * w1.grad
        w2 -= 0.001 * w2.grad
        w0.grad.zero_()
        w1.grad.zero_()
        w2.grad.zero_()
print(f"Quadratic model loss: {loss.item():.2f}   chapter: ~1-2")
print(f"Learned: y = {w2.item():.2f}x² + {w1.item():.2f}x + {w0.item():.2f}   chapter: close to y = 1.00x² - 1.00x + 2.00")

X, Y = x.numpy(), y.numpy()
# note: the loop prints the loss *before* its last update, i.e. at step 999
for name, model, start in (("linear", LinearModel(), linear_start), ("quadratic", PolynomialModel(2), quad_start)):
    L = squared_error(model, X, Y, reduction="mean")
    t = gradient_descent(L, start, 0.001, 1000, tol=0)
    best = least_squares(model, X, Y)
    print(f"symgrad {name}: loss at step 999 {t.losses[999]:.2f}, point {tuple(round(v, 3) for v in t.final)};"
          f" best possible loss {float(L.at(best)):.2f} at {tuple(round(v, 3) for v in best.values())}")
    p = predicted_steps(L, 0.001, tol=0.01)
    print("   ", p.reason)
print(f"theory for x ~ U[-5, 5]: best linear MSE = Var(x²) + noise = 125 - (25/3)² + 1 = {125 - (25 / 3) ** 2 + 1:.1f}")

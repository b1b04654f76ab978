"""Chapter 12.2 (manual gradients) as written, side by side with symgrad from the same data and start.

Run: python examples/chapter_pytorch_manual.py
"""
import sympy
import torch

import symgrad as sg
from symgrad.models import LinearModel, squared_error
from symgrad.optimize import gradient_descent, predicted_steps

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)  # float64 so the two runs can be compared digit for digit

# --- the chapter's snippet, as written -------------------------------------------------------------
x = 10 * torch.randn(100)
y = 1.5 * x + 2.73 + 0.5 * torch.randn(100)
w = torch.randn(1)
b = torch.randn(1)
w_start, b_start = w.item(), b.item()
learning_rate = 0.001
num_steps = 1000
for step in range(num_steps):
    y_pred = w * x + b
    loss = torch.mean((y_pred - y) ** 2)
    w_grad = torch.mean(2 * (y_pred - y) * x)
    b_grad = torch.mean(2 * (y_pred - y))
    w = w - learning_rate * w_grad
    b = b - learning_rate * b_grad
print(f"Learned: y = {w.item():.3f}x + {b.item():.3f}")
print("chapter claims: y = 1.501x + 2.741")

# --- symgrad: the same loss from sufficient statistics, symbolic gradient ---------------------------
L = squared_error(LinearModel(), x.numpy(), y.numpy(), reduction="mean")
trace = gradient_descent(L, [w_start, b_start], learning_rate, num_steps, tol=0)
ws, bs = trace.final
print(f"symgrad: y = {ws:.3f}x + {bs:.3f}   (|Δ| vs torch: {abs(ws - w.item()):.1e}, {abs(bs - b.item()):.1e})")

# --- why: the Hessian's eigenvalues ---------------------------------------------------------------
p = predicted_steps(L, learning_rate, tol=0.01)
print("Hessian eigenvalues:", [round(v, 4) for v in p.eigenvalues], " per-step factors:", [round(r, 5) for r in p.rates])
print(p.reason)
best = sg.models.least_squares(LinearModel(), x.numpy(), y.numpy())
print(f"closed-form least squares: w = {best['w']:.3f}, b = {best['b']:.3f};"
      f" after {num_steps} steps b has closed {1 - p.rates[0] ** num_steps:.1%} of its gap")

"""Chapter 12.4 (autograd) and 12.5 (why zero gradients) as written, side by side with symgrad.

Run: python examples/chapter_pytorch_autograd.py
"""
import torch

from symgrad.models import LinearModel, least_squares, squared_error
from symgrad.optimize import gradient_descent, momentum

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)

# --- 12.4 as written ------------------------------------------------------------------------------
x = 10 * torch.randn(100)
y = 1.5 * x + 2.73 + 0.5 * torch.randn(100)
w = torch.randn(1, requires_grad=True)
b = torch.randn(1, requires_grad=True)
start = [w.item(), b.item()]
learning_rate = 0.001
num_steps = 1000
for step in range(num_steps):
    y_pred = w * x + b
    loss = torch.mean((y_pred - y) ** 2)
    loss.backward()
    with torch.no_grad():
        w -= learning_rate * w.grad
        b -= learning_rate * b.grad
        w.grad.zero_()
        b.grad.zero_()
print(f"Learned: y = {w.item():.3f}x + {b.item():.3f}")
print("chapter: prints the same line (no claimed value; 12.2 claims 1.501x + 2.741)")

L = squared_error(LinearModel(), x.numpy(), y.numpy(), reduction="mean")
t = gradient_descent(L, start, learning_rate, num_steps, tol=0)
print(f"symgrad: y = {t.final[0]:.3f}x + {t.final[1]:.3f}")
m = momentum(L, start, learning_rate, 0.9, num_steps, tol=1e-10)
best = least_squares(LinearModel(), x.numpy(), y.numpy())
print(f"symgrad momentum (β=0.9): y = {m.final[0]:.3f}x + {m.final[1]:.3f} after {m.steps} steps ({m.stop_reason});"
      f" closed form: {best['w']:.3f}x + {best['b']:.3f}")

# --- 12.5 as written ------------------------------------------------------------------------------
torch.set_default_dtype(torch.float32)
w = torch.tensor([2.0], requires_grad=True)
loss1 = w ** 2
loss1.backward()
print(w.grad, "  chapter: tensor([4.])")
loss2 = w ** 2
loss2.backward()
print(w.grad, "  chapter: tensor([8.])")
w.grad.zero_()
print(w.grad, "  chapter: tensor([0.])")

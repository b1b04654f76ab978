"""Chapter 12.7 (nn.Module + SGD) as written -- it uses x, y "from earlier" -- and what symgrad says about it.

Run: python examples/chapter_pytorch_module.py
"""
import torch
import torch.nn as nn
import torch.optim as optim

from symgrad.models import LinearModel, least_squares, squared_error, to_torch_module
from symgrad.optimize import gradient_descent, stable_learning_rate

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)


class LinearModelModule(nn.Module):  # the chapter calls it LinearModel
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, x):
        return self.linear(x)


def chapter_loop(x, y, model):
    criterion = nn.MSELoss()
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    for epoch in range(1000):
        y_pred = model(x)
        loss = criterion(y_pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


data = {}
x = 10 * torch.randn(100)
data["12.2/12.4 data (x = 10·randn)"] = (x, 1.5 * x + 2.73 + 0.5 * torch.randn(100))
x = 10 * torch.rand(100) - 5
data["12.6 data (x ~ U[-5, 5], the latest x, y)"] = (x, x**2 - x + 2 + torch.randn(100))

for label, (x, y) in data.items():
    print(f"== {label}")
    model = LinearModelModule()
    try:
        chapter_loop(x, y, model)
        print("   as written: ran")
    except RuntimeError as error:
        print(f"   as written: RuntimeError: {str(error).splitlines()[0]}")
    model = LinearModelModule()
    w0, b0 = model.linear.weight.item(), model.linear.bias.item()
    final = chapter_loop(x.unsqueeze(1), y.unsqueeze(1), model)
    w, b = model.linear.weight.item(), model.linear.bias.item()
    print(f"   with x, y reshaped to (100, 1): loss {final:.4g}, w = {w:.4g}, b = {b:.4g}")
    L = squared_error(LinearModel(), x.numpy(), y.numpy(), reduction="mean")
    eta_max = stable_learning_rate(L)
    t = gradient_descent(L, [w0, b0], 0.01, 1000, tol=1e-12)
    print(f"   symgrad: 2/λmax = {float(eta_max):.5f} vs lr = 0.01 -> {t.stop_reason}"
          + (f" at step {t.diverged_at}: {t.advice}" if t.diverged_at is not None else f", final {tuple(round(v, 4) for v in t.final)}"))
    sym = to_torch_module(LinearModel(), init={"w": w0, "b": b0})
    optimizer = optim.SGD(sym.parameters(), lr=0.01)
    for epoch in range(1000):
        loss = torch.mean((sym(x) - y) ** 2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"   symgrad nn.Module (symbolic backward) + optim.SGD: w = {sym.w.item():.4g}, b = {sym.b.item():.4g}"
          f" (|Δ| vs nn.Linear: {abs(sym.w.item() - w):.1e}, {abs(sym.b.item() - b):.1e})")
    best = least_squares(LinearModel(), x.numpy(), y.numpy())
    print(f"   closed form: w = {best['w']:.4g}, b = {best['b']:.4g}")

"""One BPTT-Adam update of the Mackey-Glass Elman network (1-32-1, tanh,
biases as in circuits/mackey_glass.toml: none on the recurrent projection)
in PyTorch on one thread, for timing beside dopa's
BenchmarkForecastUpdate/adam (docs/results.md).

One update: reset the state, run the window step by step (nn.RNNCell, the
same per-step loop dopa runs), MSE over the steps after a washout of 20,
backpropagation through time over the window, an Adam step.

    /usr/bin/python3 docs/reference/bptt_adam_torch.py

Needs Debian's python3-torch; dopa itself never needs Python.
"""
import time

import torch

torch.set_num_threads(1)
torch.manual_seed(1)


class Elman(torch.nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.cell = torch.nn.RNNCell(1, hidden, nonlinearity="tanh", bias=True)
        self.out = torch.nn.Linear(hidden, 1)

    def forward(self, x):  # x: (T, 1)
        h = torch.zeros(1, self.cell.hidden_size)
        ys = []
        for t in range(x.shape[0]):
            h = self.cell(x[t : t + 1], h)
            ys.append(self.out(h))
        return torch.cat(ys)


def bench(window, repeats):
    net = Elman()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.randn(window + 1, 1)
    washout = 20

    def update():
        opt.zero_grad()
        y = net(x[:-1])
        loss = torch.mean((y[washout:] - x[1 + washout :]) ** 2)
        loss.backward()
        opt.step()

    update()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        update()
        best = min(best, time.perf_counter() - t0)
    return best


print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
for window, repeats in ((100, 200), (1000, 20), (10000, 5)):
    print(f"window {window}: one BPTT-Adam update {bench(window, repeats) * 1e3:.2f} ms (best of {repeats})")

"""One epoch of backprop SGD on Lansdell et al.'s 784-50-20-10 MNIST network
in PyTorch, one thread: the reference for BenchmarkMNISTEpochSGD
(docs/credit.md, "Speed"). Same network (sigmoid hidden, linear readout),
loss mean over the batch of 0.5*||y_hat - y||^2, batch 32, eta 0.3, the
same embedded data files. Not a test dependency.

    python3 experiments/train/testdata/mnist_epoch_torch.py [float64|float32]
"""
import gzip, os, sys, time
import torch

torch.set_num_threads(1)
dtype = torch.float64 if (len(sys.argv) < 2 or sys.argv[1] == "float64") else torch.float32
here = os.path.dirname(os.path.abspath(__file__))
data = os.path.join(here, "..", "..", "task", "mnistdata")

def idx(name, head):
    with gzip.open(os.path.join(data, name)) as f:
        return torch.frombuffer(bytearray(f.read()), dtype=torch.uint8)[head:]

x = idx("train-images-idx3-ubyte.gz", 16).reshape(60000, 784).to(dtype) / 255.0
y = torch.nn.functional.one_hot(idx("train-labels-idx1-ubyte.gz", 8).long(), 10).to(dtype)
torch.manual_seed(1)
net = torch.nn.Sequential(torch.nn.Linear(784, 50), torch.nn.Sigmoid(), torch.nn.Linear(50, 20), torch.nn.Sigmoid(), torch.nn.Linear(20, 10)).to(dtype)
opt = torch.optim.SGD(net.parameters(), lr=0.3)
for rep in range(3):
    perm = torch.randperm(60000)
    t0 = time.perf_counter()
    for b in range(60000 // 32):
        i = perm[b * 32:(b + 1) * 32]
        opt.zero_grad()
        loss = 0.5 * ((net(x[i]) - y[i]) ** 2).sum(1).mean()
        loss.backward()
        opt.step()
    print(f"{dtype} epoch {rep}: {time.perf_counter() - t0:.3f} s, last batch loss {loss.item():.4f}")

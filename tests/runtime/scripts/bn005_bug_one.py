"""Per-sample training steps through a BatchNorm1d: a batch of one raises in train mode."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)


def main():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    xs, ys = torch.randn(8, 10), torch.randint(0, 3, (8,))
    model.train()
    for i in range(len(xs)):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xs[i : i + 1]), ys[i : i + 1])
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    main()

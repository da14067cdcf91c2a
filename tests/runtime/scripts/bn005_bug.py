"""Training a BatchNorm MLP with batches of two samples."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)


def main():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))
    data = TensorDataset(torch.randn(24, 10), torch.randint(0, 3, (24,)))
    loader = DataLoader(data, batch_size=2, shuffle=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()


if __name__ == "__main__":
    main()

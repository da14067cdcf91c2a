"""Stochastic weight averaging with update_bn before evaluation: the correct twin."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.swa_utils import AveragedModel, update_bn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)


def main():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))
    swa_model = AveragedModel(model)
    data = TensorDataset(torch.randn(32, 10) * 2 + 1, torch.randint(0, 3, (32,)))
    loader = DataLoader(data, batch_size=16, shuffle=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    for epoch in range(3):
        model.train()
        for x, y in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
        swa_model.update_parameters(model)
    update_bn(loader, swa_model)
    swa_model.eval()
    with torch.no_grad():
        logits = swa_model(torch.randn(16, 10) * 2 + 1)
    print(logits.shape)


if __name__ == "__main__":
    main()

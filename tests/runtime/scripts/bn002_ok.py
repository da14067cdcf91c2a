"""Freezing BatchNorm the right way: the BN layers are put in eval mode after every model.train()."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)


def make_model():
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, 4),
    )


def set_bn_eval(m):
    if isinstance(m, nn.modules.batchnorm._BatchNorm):
        m.eval()


def main():
    torch.manual_seed(0)
    model = make_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(2):
        model.train()
        model.apply(set_bn_eval)
        for step in range(3):
            x = torch.randn(16, 3, 8, 8) * 2 + 0.5
            y = torch.randint(0, 4, (16,))
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()


if __name__ == "__main__":
    main()

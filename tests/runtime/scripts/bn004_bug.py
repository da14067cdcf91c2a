"""Fine-tuning a head on a frozen backbone whose BatchNorm layers still run in train mode."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
        )
        self.head = nn.Linear(8, 4)

    def forward(self, x):
        return self.head(self.backbone(x).mean((2, 3)))


def main():
    torch.manual_seed(0)
    model = Classifier()
    for p in model.backbone.parameters():
        p.requires_grad = False
    optimizer = torch.optim.SGD(model.head.parameters(), lr=0.1)
    for epoch in range(2):
        model.train()
        for step in range(3):
            x = torch.randn(16, 3, 8, 8) * 2 + 1
            y = torch.randint(0, 4, (16,))
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()


if __name__ == "__main__":
    main()

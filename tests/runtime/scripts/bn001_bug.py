"""Evaluation under no_grad without model.eval(): BatchNorm runs in train mode on validation data."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)


class Net(nn.Module):
    def __init__(self, num_classes=4):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, num_classes)

    def forward(self, x):
        x = F.relu(self.bn(self.conv(x)))
        return self.fc(x.mean((2, 3)))


def train_one_epoch(model, loader, optimizer):
    model.train()
    for images, target in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), target)
        loss.backward()
        optimizer.step()


def evaluate(model, loader):
    correct = 0
    with torch.no_grad():
        for images, target in loader:
            output = model(images)
            correct += (output.argmax(1) == target).sum().item()
    return correct / len(loader.dataset)


def main():
    torch.manual_seed(0)
    train_set = TensorDataset(torch.randn(32, 3, 8, 8), torch.randint(0, 4, (32,)))
    val_set = TensorDataset(torch.randn(32, 3, 8, 8) * 3 + 1, torch.randint(0, 4, (32,)))
    train_loader = DataLoader(train_set, batch_size=16, shuffle=True)
    val_loader = DataLoader(val_set, batch_size=16)
    model = Net()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for epoch in range(3):
        train_one_epoch(model, train_loader, optimizer)
        acc = evaluate(model, val_loader)
        print(f"epoch {epoch} acc {acc:.3f}")


if __name__ == "__main__":
    main()

"""Periodic validation inside the training loop switches to eval() and never switches back."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)


def make_model():
    return nn.Sequential(nn.Linear(10, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))


def main():
    torch.manual_seed(0)
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    val_x, val_y = torch.randn(32, 10), torch.randint(0, 3, (32,))
    model.train()
    for step in range(8):
        x, y = torch.randn(16, 10), torch.randint(0, 3, (16,))
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
        if step % 3 == 2:
            model.eval()
            with torch.no_grad():
                val_loss = F.cross_entropy(model(val_x), val_y)
            print(f"step {step} val loss {val_loss.item():.3f}")


if __name__ == "__main__":
    main()

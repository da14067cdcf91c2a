"""Seed 002, the user's set-up: BatchNorm "frozen" for small-batch fine-tuning by momentum = 0 and
requires_grad = False on its parameters, then trained in train mode; tested in eval mode, and
again in train mode because "the results turn out to be much better" there.  In train mode BN
normalises with the batch's own statistics whatever its momentum, so training never saw the
pretrained running statistics that eval mode uses."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class SegNet(nn.Module):
    """A small stand-in for deeplab-v2-resnet: conv-BN blocks and a 1x1 classifier."""

    def __init__(self, num_classes=3):
        super().__init__()
        self.blocks = nn.Sequential(Block(3, 8), Block(8, 8))
        self.classifier = nn.Conv2d(8, num_classes, 1)

    def forward(self, x):
        return self.classifier(self.blocks(x))


def pretrained_model():
    """Running statistics of a "pretrained" model: estimated on data unlike the fine-tuning data."""
    model = SegNet()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.fill_(0.5)
            m.running_var.fill_(4.0)
    return model


def freeze_bn(model):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = 0
            for p in m.parameters():
                p.requires_grad = False


def evaluate(model, images, labels):
    with torch.no_grad():
        out = model(images)
    return (out.argmax(1) == labels).float().mean().item()


def main():
    torch.manual_seed(0)
    model = pretrained_model()
    freeze_bn(model)
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.05)
    model.train()
    for step in range(4):
        images = torch.randn(2, 3, 8, 8)  # the small fine-tuning batches that motivated the freeze
        labels = torch.randint(0, 3, (2, 8, 8))
        optimizer.zero_grad()
        F.cross_entropy(model(images), labels).backward()
        optimizer.step()

    test_images, test_labels = torch.randn(4, 3, 8, 8), torch.randint(0, 3, (4, 8, 8))
    model.eval()
    print("eval mode accuracy", evaluate(model, test_images, test_labels))
    model.train()  # "the results turn out to be much better" in train mode
    print("train mode accuracy", evaluate(model, test_images, test_labels))


if __name__ == "__main__":
    main()

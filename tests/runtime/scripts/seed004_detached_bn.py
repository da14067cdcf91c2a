"""Seed 004, the user's own model code: a BatchNorm2d subclass "mathematically identical to the
original" that detaches the batch mean/variance, swapped into a ResNet-style network by
`convert_bn`, then trained.  The forward matches nn.BatchNorm2d; the gradient does not."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)


class BatchNorm2d_new(nn.BatchNorm2d):
    def forward(self, input):
        self._check_input_dim(input)

        statistics_tbn = {"mean": input.mean(dim=[0, 2, 3]).detach().clone(), "var": input.var(dim=[0, 2, 3]).detach().clone()}
        statistics_tbn["inv_std"] = torch.reciprocal(torch.sqrt((statistics_tbn["var"] + self.eps)))

        output = input - _unsqueeze_(statistics_tbn["mean"])
        output = output * _unsqueeze_(statistics_tbn["inv_std"])
        output = output * _unsqueeze_(self.weight)
        output = output + _unsqueeze_(self.bias)
        return output


def _unsqueeze_(tensor):
    return tensor.unsqueeze(0).unsqueeze(-1).unsqueeze(-1)


# This function change origin BN to New BN in our network, reclusively.
def convert_bn(module):
    module_output = module
    if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
        module_output = BatchNorm2d_new(module.num_features, module.eps, module.momentum, module.affine)
        module_output.weight.data = module.weight.data.clone()
        module_output.bias.data = module.bias.data.clone()
        module_output.running_mean = module.running_mean
        module_output.running_var = module.running_var

    for name, child in module.named_children():
        module_output.add_module(name, convert_bn(child))
    del module
    return module_output


class SmallResNet(nn.Module):
    """A stand-in for resnet18 (no download): conv-BN-ReLU blocks and a linear head."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        return self.fc(x.mean((2, 3)))


def main():
    torch.manual_seed(0)
    net = convert_bn(SmallResNet())
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    net.train()
    for step in range(4):
        x = torch.randn(16, 3, 8, 8) * 2 + 1
        y = torch.randint(0, 10, (16,))
        optimizer.zero_grad()
        F.cross_entropy(net(x), y).backward()
        optimizer.step()


if __name__ == "__main__":
    main()

"""Seed 000, the user's own model code: BatchNorm after every layer but the last, and a forward
that sets every BN layer's momentum to 0.01 in train mode and 0 in eval mode.  Trained a few
steps on tiny random skeleton data, then evaluated in eval mode."""
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
# The user's `nn.Dropout2d` after a `Linear` gets 2-D input: torch warns, the run is the same.
warnings.filterwarnings("ignore", message="dropout2d: Received a 2-D input")


class BaseModelV0p2(nn.Module):
    def __init__(self, num_person, num_joint, num_class, num_coords):
        super().__init__()
        self.name = "BaseModelV0p2"
        self.num_person = num_person
        self.num_joint = num_joint
        self.num_class = num_class
        self.channels = num_coords
        self.out_channel = [32, 64, 128]
        self.bn_momentum = 0.01

        self.bn_cv1 = nn.BatchNorm2d(self.out_channel[0], momentum=self.bn_momentum)
        self.conv1 = nn.Sequential(nn.Conv2d(self.channels, self.out_channel[0], kernel_size=3, stride=1, padding=1),
                                   self.bn_cv1, nn.ReLU(), nn.MaxPool2d(kernel_size=2, stride=2))
        self.bn_cv2 = nn.BatchNorm2d(self.out_channel[1], momentum=self.bn_momentum)
        self.conv2 = nn.Sequential(nn.Conv2d(self.out_channel[0], self.out_channel[1], kernel_size=3, stride=1, padding=1),
                                   self.bn_cv2, nn.ReLU(), nn.MaxPool2d(kernel_size=2, stride=2))
        self.bn_cv3 = nn.BatchNorm2d(self.out_channel[2], momentum=self.bn_momentum)
        self.conv3 = nn.Sequential(nn.Conv2d(self.out_channel[1], self.out_channel[2], kernel_size=3, stride=1, padding=1),
                                   self.bn_cv3, nn.ReLU(), nn.MaxPool2d(kernel_size=2, stride=2))
        self.bn_fc1 = nn.BatchNorm1d(256 * 2, momentum=self.bn_momentum)
        self.fc1 = nn.Sequential(nn.Linear(self.out_channel[2] * 8 * 3, 256 * 2), self.bn_fc1, nn.ReLU(), nn.Dropout2d(p=0.5))
        self.fc2 = nn.Sequential(nn.Linear(256 * 2, self.num_class))

    def forward(self, input):
        list_bn_layers = [self.bn_fc1, self.bn_cv3, self.bn_cv2, self.bn_cv1]
        # set the momentum of the batch norm layers to given momentum value during training and 0 during evaluation
        for bn_layer in list_bn_layers:
            if self.training:
                bn_layer.momentum = self.bn_momentum
            else:
                bn_layer.momentum = 0

        logits = []
        for i in range(self.num_person):
            out = self.conv1(input[:, :, :, :, i])
            out = self.conv2(out)
            out = self.conv3(out)
            logits.append(out)

        out = torch.max(logits[0], logits[1])
        out = out.view(out.size(0), -1)
        out = self.fc1(out)
        out = self.fc2(out)
        return out


def main():
    torch.manual_seed(0)
    # (coords, frames, joints, persons): 64 x 24 frames/joints pooled three times gives 8 x 3
    model = BaseModelV0p2(num_person=2, num_joint=24, num_class=5, num_coords=3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    for step in range(4):
        model.train()
        x = torch.randn(8, 3, 64, 24, 2)
        y = torch.randint(0, 5, (8,))
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
        model.eval()
        with torch.no_grad():
            print("val acc", (model(torch.randn(8, 3, 64, 24, 2)).argmax(1) == y).float().mean().item())


if __name__ == "__main__":
    main()

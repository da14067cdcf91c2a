"""DDP training with SyncBatchNorm (NCCL, one rank per GPU): the batch statistics are computed over
all ranks and every rank keeps the same running statistics. The correct twin of ddp_bug.py, which
needs CUDA (SyncBatchNorm works with GPU modules only)."""
import os

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP

torch.set_num_threads(1)


def main():
    dist.init_process_group("nccl")
    rank = dist.get_rank()
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    torch.cuda.set_device(local_rank)
    device = torch.device("cuda", local_rank)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))
    model = nn.SyncBatchNorm.convert_sync_batchnorm(model).to(device)
    ddp_model = DDP(model, device_ids=[local_rank])
    optimizer = torch.optim.SGD(ddp_model.parameters(), lr=0.05)
    gen = torch.Generator().manual_seed(100 + rank)
    for step in range(5):
        x = (torch.randn(16, 10, generator=gen) * (1 + rank) + rank).to(device)
        y = torch.randint(0, 3, (16,), generator=gen).to(device)
        optimizer.zero_grad()
        F.cross_entropy(ddp_model(x), y).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        print("rank", rank, "eval", ddp_model(torch.randn(4, 10, device=device)).sum().item())
    dist.destroy_process_group()


if __name__ == "__main__":
    main()

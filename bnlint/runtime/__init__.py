"""Runtime mode (`bnlint trace`): confirms static findings by watching PyTorch run. Needs `bnlint[runtime]`."""

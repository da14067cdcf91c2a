"""Which names in a module are BatchNorm layers, hold BatchNorm, or build models that do.

This is the cheap, project-wide half of the shared analysis.  It works on the
stdlib ``ast`` (about ten times faster to parse than libcst), so the linted
file and every project module it imports (``from models import Net``) are
summarised by the same code.  Imported modules are summarised lazily, only
when a rule asks about a name that comes from them, and cached per process.
"""
from __future__ import annotations

import ast
import os
import re

from bnlint.astwalk import walk as ast_walk
from bnlint.patterns import lazy
from bnlint.records import field, record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable, Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

# --- Tables of PyTorch semantics ----------------------------------------------

_BN_LEAVES = (
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "LazyBatchNorm1d",
    "LazyBatchNorm2d",
    "LazyBatchNorm3d",
    "SyncBatchNorm",
)
BN_CLASSES: Set[str] = set()
for _leaf in _BN_LEAVES:
    BN_CLASSES.update({f"torch.nn.{_leaf}", f"torch.nn.modules.{_leaf}", f"torch.nn.modules.batchnorm.{_leaf}"})
BN_CLASSES.update(
    {
        "torch.nn.modules.batchnorm._BatchNorm",
        "torch.nn.modules.batchnorm._LazyNormBase",
        "apex.parallel.SyncBatchNorm",
        "timm.layers.BatchNormAct2d",
        "timm.layers.norm_act.BatchNormAct2d",
        "timm.layers.SyncBatchNormAct",
        "timm.models.layers.BatchNormAct2d",
        "torch_geometric.nn.BatchNorm",
        "torch_geometric.nn.norm.BatchNorm",
        # Sparse-convolution libraries' BatchNorm (point clouds, 3D scenes): `torch.nn` BatchNorm
        # inside, the same train/eval semantics.
        "MinkowskiEngine.MinkowskiBatchNorm",
        "MinkowskiEngine.MinkowskiSyncBatchNorm",
        "MinkowskiEngine.MinkowskiNormalization.MinkowskiBatchNorm",
        "MinkowskiEngine.MinkowskiNormalization.MinkowskiSyncBatchNorm",
        "torchsparse.nn.BatchNorm",
        # In-place activated BatchNorm (`inplace_abn`, used by segmentation and MVS networks):
        # BatchNorm with running statistics and an activation fused in, the same train/eval semantics.
        "inplace_abn.InPlaceABN",
        "inplace_abn.InPlaceABNSync",
        "inplace_abn.ABN",
        "inplace_abn.abn.InPlaceABN",
        "inplace_abn.abn.InPlaceABNSync",
        "inplace_abn.abn.ABN",
    }
)

# Dropout layers: in train mode they zero a random part of their input (and rescale the rest);
# in eval mode they pass it through.  A model with any of them gives random outputs in train mode.
DROPOUT_CLASSES: Set[str] = set()
for _leaf in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"):
    DROPOUT_CLASSES.update({f"torch.nn.{_leaf}", f"torch.nn.modules.{_leaf}", f"torch.nn.modules.dropout.{_leaf}"})
DROPOUT_FUNCTIONS = {
    "torch.nn.functional.dropout",
    "torch.nn.functional.dropout1d",
    "torch.nn.functional.dropout2d",
    "torch.nn.functional.dropout3d",
    "torch.nn.functional.alpha_dropout",
    "torch.nn.functional.feature_alpha_dropout",
}
# Library models with dropout: torchvision classifiers whose head has a Dropout (or whose blocks
# have stochastic depth), and Hugging Face models (`from_pretrained`: dropout in every layer).
_TV_DROPOUT_PREFIXES = ("alexnet", "vgg", "squeezenet", "googlenet", "inception_v3", "mobilenet_v2", "mobilenet_v3", "mnasnet", "efficientnet", "maxvit", "convnext", "swin")
_DROPOUT_LIBRARY_ROOTS = ("transformers.",)
_HF_NOT_MODELS = ("Tokenizer", "TokenizerFast", "Processor", "FeatureExtractor", "Config", "ImageProcessor", "Pipeline")


def built_in_eval_mode(qualified: Optional[str]) -> bool:
    """A library loader that returns its model in eval mode: Hugging Face's `from_pretrained`
    ends with `model.eval()` (its docs: "The model is set in evaluation mode by default")."""
    return bool(qualified) and qualified.startswith(_DROPOUT_LIBRARY_ROOTS) and qualified.endswith(".from_pretrained")  # type: ignore[union-attr]


def is_dropout_class(qualified: Optional[str]) -> bool:
    return bool(qualified) and qualified in DROPOUT_CLASSES


def factory_holds_dropout(qualified: Optional[str]) -> Optional[bool]:
    """True for a library model or factory known to hold dropout, None when not known."""
    if not qualified:
        return None
    if qualified.startswith(_DROPOUT_LIBRARY_ROOTS):
        parts = qualified.split(".")
        cls = parts[-2] if parts[-1] in ("from_pretrained", "from_config") else parts[-1]
        if cls.endswith(_HF_NOT_MODELS):
            return False  # a tokenizer, processor or configuration: no module at all
        if parts[-1] in ("from_pretrained", "from_config") or cls.startswith(("Auto", "Bert", "GPT", "Roberta", "T5", "VisionEncoderDecoder")):
            return True
    module, _, leaf = qualified.rpartition(".")
    if module in _TV_MODULES and leaf.lower().startswith(_TV_DROPOUT_PREFIXES):
        return True
    return None


# Recurrent layers whose `dropout` argument drops between stacked layers, in train mode only.
_RNN_CLASSES = {"torch.nn.LSTM", "torch.nn.GRU", "torch.nn.RNN", "torch.nn.modules.rnn.LSTM", "torch.nn.modules.rnn.GRU", "torch.nn.modules.rnn.RNN"}
# Layers with a dropout rate argument, by the rate's default and position: PyTorch's transformer
# layers drop with p=0.1 unless told otherwise; attention drops only when given a rate.
_RATE_LAYERS = {}
for _leaf, _default, _position in (("Transformer", 0.1, 5), ("TransformerEncoderLayer", 0.1, 3), ("TransformerDecoderLayer", 0.1, 3), ("MultiheadAttention", 0.0, 2)):
    _kind = "transformer" if _leaf.startswith("Transformer") else "activation"
    for _prefix in ("torch.nn.", f"torch.nn.modules.{_kind}."):
        _RATE_LAYERS[_prefix + _leaf] = (_default, _position)
# PyTorch Geometric's layers that take a `dropout` rate (GATConv, RGATConv, TransformerConv, ...,
# default 0) drop attention coefficients or features in train mode when given one.
_RATE_LIBRARY_ROOTS = ("torch_geometric.nn.",)


def calls_dropout_function(call: ast.Call, resolve: Callable[[str], str]) -> bool:
    """`F.dropout(x, p, self.training)` / `F.dropout(x, training=self.training)`: dropout that
    follows the module's mode (the default `training=True` drops in every mode).  Also a stacked
    recurrent layer built with a dropout rate (`nn.GRU(h, h, n_layers, dropout=p)`): it drops
    between its layers in train mode; not with a literal rate of 0 or a literal single layer. And a
    layer with a dropout rate: `nn.TransformerEncoderLayer(d, h)` (p=0.1 by default),
    `nn.MultiheadAttention(d, h, dropout=p)`, `GATConv(..., dropout=0.6)` of PyTorch Geometric."""
    name = dotted_name(call.func)
    qualified = resolve(name) if name else ""
    if qualified in _RATE_LAYERS or qualified.startswith(_RATE_LIBRARY_ROOTS):
        default, position = _RATE_LAYERS.get(qualified, (0.0, None))
        keyword = next((k.value for k in call.keywords if k.arg == "dropout"), None)
        rate = keyword if keyword is not None else (call.args[position] if position is not None and len(call.args) > position else None)
        if rate is None:
            return bool(default)
        return not (isinstance(rate, ast.Constant) and not rate.value)
    if name and not qualified.startswith("torch.") and _literal_rate(next((k.value for k in call.keywords if k.arg == "dropout"), None)):
        # A layer of a class outside torch built with a literal dropout rate (`RGATConv(...,
        # dropout=0.6)` of a module that is not linted, a library's attention block): a `dropout`
        # argument is a rate that the layer applies in train mode.  (Project classes are read
        # from their code as well; a rate given to them means the same.)
        return True
    if name and qualified in _RNN_CLASSES:
        rate = call.args[5] if len(call.args) > 5 else next((k.value for k in call.keywords if k.arg == "dropout"), None)
        layers = call.args[2] if len(call.args) > 2 else next((k.value for k in call.keywords if k.arg == "num_layers"), None)
        if rate is None or (isinstance(rate, ast.Constant) and not rate.value) or layers is None:
            return False
        return not (isinstance(layers, ast.Constant) and layers.value == 1)
    if not name or resolve(name) not in DROPOUT_FUNCTIONS:
        return False
    training = call.args[2] if len(call.args) > 2 else next((k.value for k in call.keywords if k.arg == "training"), None)
    return (dotted_name(training) or "").endswith(".training") if training is not None else False


def _literal_rate(value: Optional[ast.AST]) -> bool:
    """A literal number above zero (a rate, not a flag: `dropout=True` is no rate)."""
    return isinstance(value, ast.Constant) and type(value.value) in (int, float) and 0 < value.value < 1


# Frozen BN: fixed affine + fixed statistics, no train-mode behaviour at all.
FROZEN_BN_CLASSES = {
    "torchvision.ops.FrozenBatchNorm2d",
    "torchvision.ops.misc.FrozenBatchNorm2d",
    "detectron2.layers.FrozenBatchNorm2d",
    "detectron2.layers.batch_norm.FrozenBatchNorm2d",
    "timm.layers.FrozenBatchNorm2d",
    "timm.layers.norm_act.FrozenBatchNorm2d",
    "mmcv.ops.FrozenBatchNorm2d",
}

BN_FUNCTIONS = {"torch.nn.functional.batch_norm", "torch.batch_norm"}

# Known model factories whose default norm layer is BatchNorm.
_TV_BN_FACTORY_PREFIXES = (
    "resnet",
    "resnext",
    "wide_resnet",
    "densenet",
    "inception_v3",
    "googlenet",
    "mobilenet_v2",
    "mobilenet_v3",
    "mnasnet",
    "shufflenet_v2",
    "efficientnet_",
    "regnet_",
    "maxvit",
    "fcn_resnet",
    "deeplabv3_",
    "lraspp_",
    "fasterrcnn_",
    "retinanet_",
    "maskrcnn_",
    "keypointrcnn_",
    "fcos_",
    "ssdlite",
    "r3d_",
    "r2plus1d_",
    "mc3_",
    "quantized_",
    "raft_",
)
_TV_NO_BN = ("alexnet", "vgg", "squeezenet", "vit_", "swin_", "convnext_", "ssd300", "mvit", "s3d")
# torchvision's first-generation detectors build their backbone with FrozenBatchNorm2d whenever
# weights or backbone weights are used, which is the default (`weights_backbone` defaults to the
# ImageNet weights; before 0.13 `resnet_fpn_backbone` always froze it), and their heads have no
# BN: nothing in them has batch statistics.  The `_v2` models and SSDlite use BatchNorm2d.
_TV_FROZEN_BN_DETECTORS = ("fasterrcnn_", "maskrcnn_", "keypointrcnn_", "retinanet_", "fcos_")
_TV_MODULES = (
    "torchvision.models",
    "torchvision.models.segmentation",
    "torchvision.models.detection",
    "torchvision.models.video",
    "torchvision.models.optical_flow",
    "torchvision.models.resnet",
    "torchvision.models.densenet",
    "torchvision.models.mobilenet",
    "torchvision.models.mobilenetv2",
    "torchvision.models.mobilenetv3",
    "torchvision.models.efficientnet",
    "torchvision.models.inception",
    "torchvision.models.googlenet",
    "torchvision.models.regnet",
    "torchvision.models.shufflenetv2",
    "torchvision.models.mnasnet",
    "torchvision.models.vgg",
)
# The parts of torchvision's classification models, by the attribute names their classes give
# them, that hold no BatchNorm (`resnet18().conv1` is one Conv2d, `.fc` a Linear) and that do
# (`.bn1`, `.layer1`...): per family, by the factory name's prefix.
_TV_PARTS = (
    (("resnet", "resnext", "wide_resnet"), frozenset({"conv1", "fc", "avgpool", "maxpool", "relu"}), frozenset({"bn1", "layer1", "layer2", "layer3", "layer4"})),
    (("vgg",), frozenset({"classifier", "avgpool"}), frozenset()),
    (("densenet", "mobilenet", "efficientnet", "mnasnet"), frozenset({"classifier", "avgpool"}), frozenset({"features"})),
    (("regnet",), frozenset({"fc", "avgpool"}), frozenset({"stem", "trunk_output"})),
    (("shufflenet",), frozenset({"fc", "maxpool"}), frozenset({"conv1", "stage2", "stage3", "stage4", "conv5"})),
    (("googlenet", "inception"), frozenset({"fc", "dropout", "avgpool"}), frozenset()),
)


def torchvision_part_holds_bn(qualified: str, attr: str) -> Optional[bool]:
    """Does the part ``attr`` of the torchvision classification model that ``qualified`` builds
    (`torchvision.models.resnet18`) hold BatchNorm?  None when not known."""
    head, _, leaf = qualified.rpartition(".")
    if head not in _TV_MODULES:
        return None
    leaf = leaf.lower()
    for prefixes, without, with_bn in _TV_PARTS:
        if leaf.startswith(prefixes):
            if attr in without:
                return False
            if attr in with_bn:
                return True
            return None
    return None


# Factories that may well return BN models: treated as BN-bearing.
MAYBE_BN_FACTORIES = {
    "timm.create_model",
    "timm.models.create_model",
    "torchvision.models.get_model",
    "torchvision.models.__dict__",  # `models.__dict__[args.arch]()`, as in pytorch/examples' ImageNet script
    "torch.hub.load",
    "pretrainedmodels.__dict__",
}
# Library base classes of plain (non-module) classes: a trainer `class Runner(ABC)` has no mode.
PLAIN_LIBRARY_BASES = frozenset({"abc.ABC", "typing.Generic", "typing.Protocol", "object"})
# Where a factory of MAYBE_BN_FACTORIES takes the architecture's name: (position, keyword).
FACTORY_NAME_ARGUMENT = {
    "timm.create_model": (0, "model_name"),
    "timm.models.create_model": (0, "model_name"),
    "torch.hub.load": (1, "model"),
    "torchvision.models.get_model": (0, "name"),
}
# Architecture families these factories build without BatchNorm (LayerNorm, GroupNorm): vision
# transformers and MLP mixers, ConvNeXt, PoolFormer.  A hybrid with a ResNet stem
# (`vit_small_resnet26d_224`) does have BN.  LeViT, EfficientViT and ConViT are not matched.
NO_BN_ARCHITECTURES = (
    "vit", "deit", "swin", "convnext", "beit", "eva", "mixer", "cait", "xcit", "pvt", "twins", "crossvit",
    "poolformer", "gmlp", "resmlp", "volo", "flexivit", "mvit", "hiera", "dinov2", "clip", "bert", "gpt",
)


# Architecture families these factories build with BatchNorm (timm and torchvision names): ResNets
# and their variants, EfficientNets, MobileNets, DenseNets, RegNets and the like.  Normaliser-free
# (`nf_`), BiT (`resnetv2_*_bit`, GroupNorm) and hybrids are not matched.
BN_ARCHITECTURES = (
    "resnet", "resnext", "seresnet", "seresnext", "ecaresnet", "skresnet", "resnest", "wide_resnet", "gluon_resnet",
    "efficientnet", "tf_efficientnet", "mobilenet", "tf_mobilenet", "mnasnet", "densenet", "regnet", "rexnet",
    "ghostnet", "dla", "dpn", "inception", "xception", "hrnet", "cspdarknet", "cspresnet", "vgg11_bn", "vgg13_bn",
    "vgg16_bn", "vgg19_bn", "shufflenet", "legacy_seresnet", "legacy_seresnext",
)


def _factories_limited_to_no_bn_names(fn: ast.AST, inv: "ModuleInventory", top_level: "Dict[str, List[ast.AST]]") -> Set[int]:
    """The callees (ids) of the architecture factories in ``fn`` called, with a name, only under
    an `if name in NAMES:` whose names are literals (inline, or a list the module binds once)
    of architectures without BatchNorm (`if arch in TRANSFORMER_NAMES: torch.hub.load(repo, arch)`)."""
    out: Set[int] = set()
    for test_node in ast_walk(fn):
        if not isinstance(test_node, ast.If):
            continue
        test = test_node.test
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.In) and isinstance(test.left, ast.Name)):
            continue
        names = test.comparators[0]
        if isinstance(names, ast.Name) and len(top_level.get(names.id, ())) == 1:
            names = top_level[names.id][0]
        if not (isinstance(names, (ast.List, ast.Tuple, ast.Set)) and names.elts):
            continue
        if not all(isinstance(e, ast.Constant) and isinstance(e.value, str) and architecture_without_bn(e.value) for e in names.elts):
            continue
        for stmt in test_node.body:
            for call in ast_walk(stmt):
                if not isinstance(call, ast.Call):
                    continue
                spec = FACTORY_NAME_ARGUMENT.get(inv.resolve(dotted_name(call.func) or ""))
                arg = _architecture_argument(call, spec) if spec is not None else None
                if isinstance(arg, ast.Name) and arg.id == test.left.id:
                    out.add(id(call.func))
    return out


def qualify(dotted: str, aliases: Dict[str, str]) -> str:
    """``dotted`` with its first name replaced by what the module imported it as (``aliases``:
    `nn.BatchNorm2d` -> `torch.nn.BatchNorm2d`, `ABC` -> `abc.ABC`); unchanged when not imported."""
    head, _, rest = dotted.partition(".")
    target = aliases.get(head)
    if target is None:
        return dotted
    return f"{target}.{rest}" if rest else target


def literal_architecture_without_bn(call: ast.Call, spec: Tuple[int, str]) -> bool:
    """Does ``call`` of a factory taking an architecture's name (``FACTORY_NAME_ARGUMENT``'s
    ``spec``) name, as a string literal, an architecture built without BatchNorm?"""
    arg = _architecture_argument(call, spec)
    return isinstance(arg, ast.Constant) and isinstance(arg.value, str) and architecture_without_bn(arg.value)


def _architecture_argument(call: ast.Call, spec: Tuple[int, str]) -> Optional[ast.expr]:
    """The argument ``call`` passes for the architecture's name (``FACTORY_NAME_ARGUMENT``'s
    (position, keyword)); None when it passes none or unpacks before it."""
    position, keyword = spec
    arg = next((k.value for k in call.keywords if k.arg == keyword), None)
    if arg is None and len(call.args) > position and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
        arg = call.args[position]
    return arg


def architecture_with_bn(name: str) -> bool:
    """Is ``name`` (`"seresnext50_32x4d"`, `"tf_efficientnet_b4_ns"`) an architecture built with
    BatchNorm?"""
    leaf = name.lower().rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    if leaf.startswith(("nf_", "nfnet", "resnetv2")) or "_bit" in leaf or "squeezenet" in leaf:
        return False
    return leaf.startswith(BN_ARCHITECTURES)


def architecture_without_bn(name: str) -> bool:
    """Is ``name`` (`"vit_base_patch16_224.augreg_in21k"`, `"hf-hub:timm/deit_small..."`,
    `"dinov2_vitb14"`) an architecture built without BatchNorm?"""
    leaf = name.lower().rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return leaf.startswith(NO_BN_ARCHITECTURES) and "resnet" not in leaf


_BN_LIBRARY_PREFIXES = ("efficientnet_pytorch.EfficientNet",)
# segmentation_models_pytorch's architectures (their encoders have BatchNorm by default) and its
# builders; its losses, metrics and utilities (`smp.losses.DiceLoss`) are no models.
_SMP_ROOT = "segmentation_models_pytorch."
_SMP_MODELS = frozenset({
    "Unet", "UnetPlusPlus", "MAnet", "Linknet", "FPN", "PSPNet", "PAN", "DeepLabV3", "DeepLabV3Plus", "UPerNet",
    "Segformer", "DPT", "create_model", "from_pretrained", "get_encoder",
})
# MONAI's networks whose default normalisation is BatchNorm (`norm="batch"`); its UNet, UNETR,
# SegResNet and others default to instance or group norm, so only these count.
_MONAI_NETS = ("monai.networks.nets.",)
_MONAI_BN_NETS = frozenset(
    {f"resnet{d}" for d in (10, 18, 34, 50, 101, 152, 200)}
    | {"ResNet", "DenseNet", "DenseNet121", "DenseNet169", "DenseNet201", "DenseNet264", "densenet121", "densenet169", "densenet201", "densenet264"}
    | {"Densenet121", "Densenet169", "Densenet201", "Densenet264", "EfficientNetBN", "SENet", "SENet154", "SEResNet50", "SEResNet101", "SEResNet152"}
    | {"SEResNext50", "SEResNext101", "senet154", "se_resnet50", "se_resnet101", "se_resnet152", "se_resnext50_32x4d", "se_resnext101_32x4d", "HighResNet"}
)
# Other libraries' models with BatchNorm, built in train mode: the Inception network of the FID
# metric (pytorch-fid), which evaluation code builds itself and must put in eval.
BN_LIBRARY_MODELS = {"pytorch_fid.inception.InceptionV3", "pytorch_fid.inception.fid_inception_v3", "pytorch_fid.InceptionV3"}
THIRD_PARTY_ROOTS = {
    "torch",
    "torchvision",
    "timm",
    "numpy",
    "np",
    "os",
    "sys",
    "math",
    "random",
    "typing",
    "collections",
    "functools",
    "itertools",
    "argparse",
    "logging",
    "time",
    "json",
    "pathlib",
    "dataclasses",
    "tensorflow",
    "keras",
    "jax",
    "sklearn",
    "scipy",
    "pandas",
    "matplotlib",
    "PIL",
    "cv2",
    "tqdm",
    "lightning",
    "pytorch_lightning",
    "detectron2",
    "mmcv",
    "transformers",
    "apex",
    "wandb",
    # Standard-library modules that scripts import by their plain name (`import copy`):
    # looking them up among the project's files is wasted work.
    "re",
    "copy",
    "shutil",
    "subprocess",
    "glob",
    "pickle",
    "warnings",
    "datetime",
    "inspect",
    "contextlib",
    "abc",
    "enum",
    "operator",
    "io",
    "tempfile",
    "threading",
    "multiprocessing",
    "socket",
    "hashlib",
    "traceback",
    "weakref",
    "gc",
    "platform",
    "signal",
    "heapq",
    "bisect",
    "struct",
    "zipfile",
    "tarfile",
    "csv",
    "textwrap",
    "unittest",
    "uuid",
    "queue",
    "importlib",
    "builtins",
    "yaml",
    "h5py",
    "tensorboardX",
    "torchmetrics",
    "accelerate",
    "hydra",
    "omegaconf",
}
LIGHTNING_MODULES = {
    "pytorch_lightning.LightningModule",
    "lightning.LightningModule",
    "lightning.pytorch.LightningModule",
    "pytorch_lightning.core.LightningModule",
    "pytorch_lightning.core.module.LightningModule",
    "lightning.pytorch.core.LightningModule",
}
# Calls that return (a wrapper of) their first argument / receiver, module-wise.
MODULE_WRAPPERS = {
    "torch.nn.DataParallel",
    "torch.nn.parallel.DataParallel",
    "torch.nn.parallel.DistributedDataParallel",
    "torch.nn.parallel.distributed.DistributedDataParallel",
    "torch.compile",
    "torch.jit.script",
    "torch.nn.SyncBatchNorm.convert_sync_batchnorm",
    "torch.nn.modules.batchnorm.SyncBatchNorm.convert_sync_batchnorm",
    "torch.optim.swa_utils.AveragedModel",
    "copy.deepcopy",
    "apex.parallel.DistributedDataParallel",
    "apex.parallel.convert_syncbn_model",
}
# Module methods that return the module itself and leave its mode as it was (device, dtype).
MODULE_METHODS_KEEPING_MODE = frozenset({"to", "cuda", "cpu", "half", "float", "double", "bfloat16", "type", "to_empty", "share_memory", "requires_grad_"})
MODULE_METHODS_RETURNING_SELF = {
    "to",
    "cuda",
    "cpu",
    "half",
    "float",
    "double",
    "bfloat16",
    "train",
    "eval",
    "requires_grad_",
    "to_empty",
    "share_memory",
    "apply",
    "type",
}


def names_bn_class(inv: "ModuleInventory", name: str) -> Optional[bool]:
    """Does the dotted ``name`` of the module ``inv`` describes name a (train-mode capable)
    BatchNorm layer class: a BN subclass of the module, or a library BN class through its
    imports (True); a frozen BN class or another class of the module (False); None where only
    the project's other modules can say (a class imported from one of them)."""
    if name in inv.bn_layer_classes:
        return True
    if name in inv.frozen_classes or name in inv.classes:
        return False
    qualified = inv.resolve(name)
    if is_frozen_bn_class(qualified):
        return False
    if is_bn_class(qualified):
        return True
    return None


def canonical(name: str) -> str:
    """Collapse the many import paths of the same torch object."""
    for prefix in ("torch.nn.modules.batchnorm.", "torch.nn.modules."):
        if name.startswith(prefix) and name[len(prefix):] in _BN_LEAVES:
            return "torch.nn." + name[len(prefix):]
    return name


def is_bn_class(qualified: Optional[str]) -> bool:
    return bool(qualified) and (qualified in BN_CLASSES or canonical(qualified) in BN_CLASSES)  # type: ignore[operator]


def is_frozen_bn_class(qualified: Optional[str]) -> bool:
    if not qualified:
        return False
    return qualified in FROZEN_BN_CLASSES or qualified.rsplit(".", 1)[-1].startswith("FrozenBatchNorm")


# The project's own factories that build BN models (`bn-model-factories` in the configuration):
# a registry's `build_model(cfg)` cannot be resolved, so by default it is not taken to hold BN.
# ``lint_source`` sets them for the file it lints (``use_configured_factories``).
_configured_factories: FrozenSet[str] = frozenset()


def use_configured_factories(names: Iterable[str]) -> FrozenSet[str]:
    """Make ``names`` (qualified: `mypkg.models.build_model`) BN-bearing factories; returns the
    previous set, for the caller to restore."""
    global _configured_factories
    previous = _configured_factories
    _configured_factories = frozenset(names)
    return previous


def factory_holds_bn(qualified: Optional[str]) -> Optional[bool]:
    """True/False for a known model factory, None when the name is not one."""
    if not qualified:
        return None
    if qualified in MAYBE_BN_FACTORIES or qualified in BN_LIBRARY_MODELS or qualified in _configured_factories:
        return True
    if qualified.startswith(_BN_LIBRARY_PREFIXES):
        return True
    if qualified.startswith(_SMP_ROOT):
        return True if qualified.rsplit(".", 1)[-1] in _SMP_MODELS and ".losses." not in qualified and ".metrics." not in qualified else None
    if qualified.startswith(_MONAI_NETS) and qualified.rsplit(".", 1)[-1] in _MONAI_BN_NETS:
        return True
    if qualified.startswith("timm.models."):
        # timm's model functions (`from timm.models import resnet50`, `timm.models.resnet.resnet18`):
        # the architecture's name says whether it is built with BatchNorm, as for `create_model`.
        leaf = qualified.rsplit(".", 1)[-1]
        if architecture_with_bn(leaf):
            return True
        if architecture_without_bn(leaf):
            return False
        return None
    module, _, leaf = qualified.rpartition(".")
    if module in _TV_MODULES:
        low = leaf.lower()
        if low.startswith(_TV_NO_BN) and not low.endswith("_bn"):
            return False
        if low.startswith(_TV_FROZEN_BN_DETECTORS) and not low.endswith("_v2"):
            return False
        if low.startswith(_TV_BN_FACTORY_PREFIXES) or low.endswith("_bn"):
            return True
        return None
    return None


# --- Text-level BN evidence (the prefilter's half of the tables above) ---------
#
# Every way the summaries above can decide that a name is (or builds) BatchNorm needs one of
# these substrings in the text of the module that spells it: the BN class and function
# names, the factories, and the torchvision factory prefixes (matched case-insensitively,
# like ``factory_holds_bn``).  The prefilter uses them to skip files that cannot involve BN.
# Identifiers that are BN evidence on their own: the class and function names of the tables
# above, matched as whole words (`aten.native_batch_norm` or "see BatchNorm" in prose is not
# what the summaries resolve), and library names.
BN_EVIDENCE_WORDS: Tuple[str, ...] = tuple(sorted({q.rsplit(".", 1)[-1] for q in BN_CLASSES | BN_FUNCTIONS}))
BN_EVIDENCE_TOKENS: Tuple[str, ...] = (
    "pretrainedmodels",  # MAYBE_BN_FACTORIES and _BN_LIBRARY_PREFIXES
    "segmentation_models_pytorch",
    "efficientnet_pytorch",
    "pytorch_fid",  # BN_LIBRARY_MODELS
    "monai",  # _MONAI_BN_NETS
    "inplace_abn",  # InPlaceABN: BatchNorm without "BatchNorm" in its name (``BN_CLASSES``)
    "running_mean",  # a BatchNorm written by hand (``is_hand_written_bn``)
    "running_var",
)
# (token, library): a factory name counts only in a text that also names its library, since
# its qualified name starts with the library (``timm.create_model``, ``torchvision.models.*``).
_FACTORY_EVIDENCE: Tuple[Tuple[str, str], ...] = (("create_model", "timm"), ("get_model", "torchvision"), ("__dict__", "torchvision"))
# The table is only a factory where it is indexed (`models.__dict__[arch]`): `m.__dict__` in
# a torchvision-importing helper is not (torch._inductor's utils.py, imported everywhere).
_DICT_SUBSCRIPT = lazy(r"__dict__\s*\[")
# torchvision factories, matched case-insensitively like ``factory_holds_bn`` does.
BN_EVIDENCE_TOKENS_LOWER: Tuple[str, ...] = tuple(sorted(set(_TV_BN_FACTORY_PREFIXES) | {"_bn"}))


def word_ends(text: str, word: str) -> Iterator[int]:
    """Where ``word`` ends in each of its whole-word occurrences in ``text`` (literal search)."""
    i = text.find(word)
    while i >= 0:
        j = i + len(word)
        if (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")) and (j >= len(text) or not (text[j].isalnum() or text[j] == "_")):
            yield j
        i = text.find(word, j)


def _has_word(text: str, word: str) -> bool:
    return next(word_ends(text, word), None) is not None


# String literals and comments, to blank out of imported modules: the summaries only resolve
# names in code, so a BN word in a docstring or an op-name table there decides nothing.
_STRINGS_AND_COMMENTS = lazy(
    # Each branch starts with its own literal (`#` or a quote), so ``re`` skips from one such
    # character to the next (3x faster than starting at every letter that may be a string
    # prefix); a prefix (`r`, `b`, `f`) stays behind as code, a one-letter name of nothing.
    # (A line ends at `\r` too: files with old Mac line endings are Python all the same.)
    r"#[^\r\n]*"
    r'|"""(?:[^"\\]|\\[\s\S]|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\[\s\S]|'(?!''))*'''"
    r'|"(?:[^"\\\r\n]|\\[\s\S])*"'
    r"|'(?:[^'\\\r\n]|\\[\s\S])*'"
)


_DROPOUT_TOKENS = ("dropout", "from_pretrained", "transformerencoderlayer", "transformerdecoderlayer", "nn.transformer(") + tuple(p.rstrip("_") for p in _TV_DROPOUT_PREFIXES)


def code_has_dropout_evidence(text: str) -> bool:
    """Dropout evidence in ``text`` (a dropout layer or function, a library model with dropout): a superset (strings and comments
    count too), which a necessary condition may be; stripping them cost more than it saved.
    Plain substring tests on the lower-cased text: a regex alternation was the slower one."""
    low = text.lower()
    return any(token in low for token in _DROPOUT_TOKENS)


def code_has_bn_evidence(text: str) -> bool:
    """``text_has_bn_evidence`` on the code only, not in strings or comments."""
    return text_has_bn_evidence(text) and text_has_bn_evidence(_STRINGS_AND_COMMENTS.sub(" ", text))


_HUB_LOAD = lazy(r"hub\s*\.\s*load\b")
_HUB_IMPORT = lazy(r"from\s+torch\.hub\s+import\s+(?:\([^)]*|[^\n]*)\bload\b|import\s+torch\.hub\s+as\s+(\w+)|from\s+torch\s+import\s+[^\n]*\bhub\s+as\s+(\w+)")


def _hub_load(text: str) -> bool:
    """``torch.hub.load`` spelled some way (not "github", not `from torch.hub import tqdm`)."""
    i = text.find("hub")
    while i >= 0:  # `hub.load`, `torch.hub.load` (literal search first: most "hub"s are "github")
        if (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")) and _HUB_LOAD.match(text, i):
            return True
        i = text.find("hub", i + 3)
    if "torch.hub" not in text and "hub as" not in text:
        return False
    for m in _HUB_IMPORT.finditer(text):
        alias = m.group(1) or m.group(2)
        if alias is None or re.search(rf"\b{re.escape(alias)}\s*\.\s*load\b", text):
            return True
    return False


def text_has_bn_evidence(text: str) -> bool:
    """Could this module's text name a BatchNorm layer, BN function or BN-bearing factory?"""
    if "BatchNorm" in text or "batch_norm" in text or "LazyNorm" in text:
        for word in BN_EVIDENCE_WORDS:
            if _has_word(text, word):
                return True
    for token in BN_EVIDENCE_TOKENS:
        if token in text:
            return True
    for token, library in _FACTORY_EVIDENCE:
        if token in text and library in text and (token != "__dict__" or _DICT_SUBSCRIPT.search(text)):
            return True
    if "getattr" in text and "torchvision" in text and _NAMESPACE_PICK.search(text):
        return True  # `getattr(models, args.arch)(...)`: torchvision's namespace, as `models.__dict__[...]`
    if "hub" in text and _hub_load(text):
        return True
    for factory in _configured_factories:
        if _has_word(text, factory.rsplit(".", 1)[-1]):
            return True
    if "torchvision" in text:
        low = text.lower()
        return any(token in low for token in BN_EVIDENCE_TOKENS_LOWER)
    return False


# `import a.b as c, d` / `from .x import (a, b as c)`, matched at a statement start (a line
# start, or after `;` or a one-line `if ...:`).  Over-matching (an import inside a string)
# only adds edges to the graph, which keeps the prefilter sound.
_IMPORT_STMT_RE = lazy(
    r"[ \t]*(?:from[ \t\\\n]+(\.*[\w.]*)[ \t\\\n]+import[ \t]*(\([^)]*\)|(?:\\\n|[^\n;#])*)"
    r"|import[ \t]+((?:\\\n|[^\n;#])*))"
)


def _import_matches(text: str) -> Iterable["re.Match[str]"]:
    """Each import statement found in ``text``, as a match of ``_IMPORT_STMT_RE``."""
    done: Set[int] = set()
    pos = 0
    while True:
        i = text.find("import", pos)
        if i < 0:
            return
        pos = i + 6
        line_start = text.rfind("\n", 0, i) + 1
        while line_start >= 2 and text[line_start - 2] == "\\":  # a continued line
            line_start = text.rfind("\n", 0, line_start - 2) + 1
        starts = [line_start]
        cut = max(text.rfind(";", line_start, i), text.rfind(":", line_start, i))
        if cut >= 0:
            starts.append(cut + 1)
        for start in starts:
            if start in done:
                break
            m = _IMPORT_STMT_RE.match(text, start)
            if m is None or m.end() <= i:
                continue
            done.add(start)
            yield m
            break


def _imported_names(m: "re.Match[str]") -> List[List[str]]:
    """The words of each `name [as alias]` of a `from ... import` match."""
    body = re.sub(r"#[^\n]*", "", m.group(2))  # comments inside `( ... )`
    return [n.split() for n in body.replace("\\\n", " ").strip("()\\ \t\n").split(",") if n.split()]


def _imported_dotted(m: "re.Match[str]") -> List[List[str]]:
    """The words of each `a.b.c [as alias]` of an `import` match (module names only)."""
    out = []
    for part in m.group(3).replace("\\\n", " ").split(","):
        words = part.split()
        if words and all(p.isidentifier() for p in words[0].split(".")):
            out.append(words)
    return out


def imported_modules(text: str) -> List[Tuple[int, str, List[str]]]:
    """(relative level, module, imported names) for each import statement found in ``text``."""
    out: List[Tuple[int, str, List[str]]] = []
    for m in _import_matches(text):
        if m.group(1) is not None:
            module = m.group(1)
            level = len(module) - len(module.lstrip("."))
            names = [words[0] for words in _imported_names(m)]
            out.append((level, module.lstrip("."), [n for n in names if n.isidentifier()]))
        else:
            out.extend((0, words[0], []) for words in _imported_dotted(m))
    return out


def import_bindings(text: str) -> Optional[Dict[str, Set[str]]]:
    """Name bound by an import -> the qualified names it may stand for, as ``_import_aliases``
    binds them (`import a.b` binds `a`; `import a.b as c` binds `c` to `a.b`; `from .m import
    x as y` binds `y` to `.m.x`), every binding kept.  None when a `*` import binds unknown names."""
    out: Dict[str, Set[str]] = {}
    for m in _import_matches(text):
        if m.group(1) is not None:
            module = m.group(1)
            sep = "" if module.endswith(".") or not module else "."
            for words in _imported_names(m):
                if words[0] == "*":
                    return None
                if not words[0].isidentifier():
                    continue
                bound = words[2] if len(words) >= 3 and words[1] == "as" and words[2].isidentifier() else words[0]
                out.setdefault(bound, set()).add(f"{module}{sep}{words[0]}")
        else:
            for words in _imported_dotted(m):
                if len(words) >= 3 and words[1] == "as" and words[2].isidentifier():
                    out.setdefault(words[2], set()).add(words[0])
                else:
                    root = words[0].split(".")[0]
                    out.setdefault(root, set()).add(root)
    return out


# --- Module summaries ---------------------------------------------------------


@record
class ModuleInventory:
    path: Optional[str]
    aliases: Dict[str, str] = field(default_factory=dict)
    classes: Dict[str, ast.ClassDef] = field(default_factory=dict)
    functions: Dict[str, ast.FunctionDef] = field(default_factory=dict)
    class_bases: Dict[str, List[str]] = field(default_factory=dict)
    bn_layer_classes: Set[str] = field(default_factory=set)  # subclasses of a BN layer
    frozen_classes: Set[str] = field(default_factory=set)
    bn_holding: Set[str] = field(default_factory=set)  # classes and functions that hold/build BN
    lightning_classes: Set[str] = field(default_factory=set)
    # Classes whose own ``train()`` override puts BN back into eval mode, or whose ``forward`` does
    # before its layers run (and puts nothing in train mode).
    bn_eval_train_override: Set[str] = field(default_factory=set)
    # Classes whose `train()` override puts only direct BN children back in eval while some BN
    # sits deeper (in `self.trunk`, a `Sequential`): not in ``bn_eval_train_override``.
    partial_train_override: Set[str] = field(default_factory=set)
    # Top-level names defined more than once, where one definition names BatchNorm and another
    # does not (a notebook's "the same model, for comparison, with BN" cell): which one a call
    # builds depends on where it runs, so neither is taken to hold BN.
    ambiguous: Set[str] = field(default_factory=set)
    # For each ambiguous name, whether each of its top-level definitions, in source order, names
    # BatchNorm: the one in force where a call runs decides (``Facts.holds_bn_in_force``).
    definition_bn: Dict[str, List[bool]] = field(default_factory=dict)
    ambiguous_dropout: Set[str] = field(default_factory=set)  # the same for dropout layers
    # Imported modules only (their AST is dropped): ``bnlint.summaries.construction`` of each class
    # and function whose answer is not "a new module in train mode".
    constructions: Dict[str, Any] = field(default_factory=dict)
    # Names the module binds once at its top level to a call (`net = models.resnet50(weights=...)`):
    # name -> (the callee as spelled, weights given there), for ``ProjectIndex.module_level_model``.
    module_models: Dict[str, Tuple[str, bool]] = field(default_factory=dict)
    # Dicts the module fills at its top level (`args = {}` then `args["model"] = Net()`, or
    # `args = {"model": Net()}`): name -> key -> (the callee as spelled, weights given there).
    module_model_holders: Dict[str, Dict[str, Tuple[str, bool]]] = field(default_factory=dict)
    # The call each of those names is bound to (`conv_base = nn.Sequential(..., nn.BatchNorm2d(64))`),
    # for a class that keeps the global as a part (`self.layer1 = conv_base`).
    module_calls: Dict[str, ast.Call] = field(default_factory=dict)
    # Classes whose `__init__` builds BatchNorm under an `if` (`if self.norm == "batch":`): a call
    # may switch it off (``class_switched_off``). Kept for imported modules too (their AST is not).
    switchable_bn: Dict[str, ast.ClassDef] = field(default_factory=dict)
    # Factory tables: module-level `MODELS = {"resnet": ResNet, "vgg": vgg16_bn}` (every value a
    # dotted name), by table name -> the names it maps to (``table_call_name``).
    tables: Dict[str, List[str]] = field(default_factory=dict)
    # What could make each class or function hold dropout (``_Reasons``, as for BN), decided on
    # demand (``holds_dropout``): only the evaluation rules ask, for models without BN.
    dropout_reasons: Dict[str, Any] = field(default_factory=dict)

    def holds(self, name: str, hops: int = 0) -> bool:
        """Does the local class or function ``name`` hold (or build) BatchNorm?"""
        return name in self.bn_holding or name in self.bn_layer_classes

    def holds_dropout(self, name: str, hops: Optional[int] = None) -> bool:
        """Does the local class or function ``name`` hold (or build) a dropout layer?  Imports
        are followed through the project index the inventory was made by."""
        index = self.__dict__.get("_dropout_index")
        hops = DROPOUT_IMPORT_HOPS if hops is None else hops
        memo = self.__dict__.setdefault("_dropout_memo", {})
        if (name, hops) not in memo:
            memo[(name, hops)] = False  # while it is worked out: a cycle says no
            lookup = index._external_lookup(self.path, hops - 1, "dropout") if index is not None else (lambda q: False)
            memo[(name, hops)] = _holds_dropout_locally(self, name, hops, lookup)
        return memo[(name, hops)]

    def is_imported(self, dotted: str) -> bool:
        """Is the head of ``dotted`` bound by an import: `import models` (then `models.Net`),
        `from .nets import Net`, `import pkg.models as m`?"""
        return dotted.partition(".")[0] in self.aliases

    def resolve(self, dotted: str) -> str:
        """Map a local dotted name (``nn.BatchNorm2d``) to its qualified name (``torch.nn.BatchNorm2d``)."""
        return qualify(dotted, self.aliases)


# `models.__dict__[` or `getattr(models, name)(`: a factory picked by name from a module's namespace.
_NAMESPACE_PICK = lazy(r"\b(\w+)\.__dict__\s*\[|\bgetattr\(\s*(\w+)\s*,[^()]*\)\s*\(")
# Calls that change a module's mode or freeze state: a method making one is not a plain template.
_MODE_SETTERS = frozenset({"eval", "train", "apply", "requires_grad_"})
TABLE_SUFFIX = "[]"  # `MODELS[name](...)`: the callee is the table `MODELS` (``table_call_name``)


def table_call_name(func: ast.AST) -> Optional[str]:
    """The factory table a call picks its callee from, as a callee name: `models.__dict__[arch]`
    and `getattr(models, arch)` -> `models.__dict__` (a module's namespace); `MODELS[name]` and
    `MODELS.get(name)` -> `MODELS[]` (a dict of factories).  None for any other callee.  The
    libcst twin is ``facts.callee_dotted``; ``callable_holds_bn`` answers for both."""
    if isinstance(func, ast.Subscript):
        table = dotted_name(func.value)
        key = func.slice.value if isinstance(func.slice, ast.Constant) else None
        if table and table.endswith(".__dict__") and isinstance(key, str) and key.isidentifier():
            return table[: -len("__dict__")] + key  # `models.__dict__["lavt"]`: `models.lavt`
        if table and table.endswith(".__dict__"):
            return table
        return table + TABLE_SUFFIX if table else None
    if isinstance(func, ast.Call) and func.args and not func.keywords:
        if isinstance(func.func, ast.Name) and func.func.id == "getattr" and len(func.args) == 2:
            module = dotted_name(func.args[0])
            key = func.args[1].value if isinstance(func.args[1], ast.Constant) else None
            if module and isinstance(key, str) and key.isidentifier():
                return f"{module}.{key}"  # `getattr(models, "resnet50")`
            return f"{module}.__dict__" if module else None
        if isinstance(func.func, ast.Attribute) and func.func.attr == "get" and len(func.args) == 1:
            table = dotted_name(func.func.value)
            return table + TABLE_SUFFIX if table else None
    return None


# Class methods that build an instance of their class (Lightning's checkpoint loader, the Hugging
# Face convention): `Cls.load_from_checkpoint(path)` holds what `Cls(...)` holds.
ALTERNATE_CONSTRUCTORS = frozenset({"load_from_checkpoint", "from_pretrained", "from_config", "from_checkpoint"})


def callable_holds_bn(inv: "ModuleInventory", name: str, path: Optional[str], index: Optional["ProjectIndex"]) -> bool:
    """Does calling ``name`` (a callee as the module ``inv`` spells it, or a factory table from
    ``table_call_name``) build a module with BatchNorm?  The one answer the mode analysis
    (``Facts.class_holds_bn``) and the prefilter (``builds_bn_model``) both use.

    A factory table builds BN when every factory it may pick builds BN: the values of a dict
    literal of this module, or the public classes and functions of a project module indexed by
    name (`models.__dict__[args.arch]`); an empty table, or one with a factory that builds no BN
    (or that cannot be resolved), builds none as far as the rules are concerned."""
    if name in inv.bn_holding or name in inv.bn_layer_classes:
        return True
    if name.endswith(TABLE_SUFFIX):
        table = name[: -len(TABLE_SUFFIX)]
        values = inv.tables.get(table)
        if values is None and "." in table and inv.is_imported(table) and path and index is not None:
            return index.table_holds_bn(path, inv.resolve(table))  # `models.available_models[args.model]()`
        return bool(values) and all(callable_holds_bn(inv, v, path, index) for v in values)
    if name in inv.classes or name in inv.functions:
        return False
    head, _, leaf = name.rpartition(".")
    if head in inv.classes and leaf in ALTERNATE_CONSTRUCTORS:
        return callable_holds_bn(inv, head, path, index)  # `LitModel.load_from_checkpoint(path)`: a LitModel
    if head and leaf and "." not in head and inv.is_imported(head) and path and index is not None:
        # `GraphRegressor.from_checkpoint(path)` of a project class imported here: a class method
        # that builds the object (``classmethod_construction``) builds one of that class.
        found = index.definition(path, inv.resolve(head))
        cls = found[2][2].get(found[1]) if found is not None else None
        if isinstance(cls, ast.ClassDef) and (leaf in ALTERNATE_CONSTRUCTORS or classmethod_construction(cls, leaf) is not None):
            return callable_holds_bn(inv, head, path, index)
    q = inv.resolve(name)
    if is_bn_class(q):
        return True
    if is_frozen_bn_class(q):
        return False
    fact = factory_holds_bn(q)
    if fact is not None:
        return fact
    if not (inv.is_imported(name) and path and index is not None and q.lstrip(".").split(".")[0] not in THIRD_PARTY_ROOTS):
        return False
    if q.endswith(".__dict__"):
        return index.namespace_holds_bn(path, q[: -len(".__dict__")])
    return index.holds_bn(path, q)


def classmethod_construction(cls: ast.ClassDef, method: str) -> Optional[ast.Call]:
    """The `cls(...)` call a class method of ``cls`` builds its result with, when every `return`
    hands back that one object (`return cls(...)`, or `model = cls(...)` ... `return model`)."""
    fn = class_method(cls, method)
    if fn is None or not any(dotted_name(d) == "classmethod" for d in fn.decorator_list) or not fn.args.args:  # type: ignore[attr-defined]
        return None
    first = fn.args.args[0].arg  # type: ignore[attr-defined]
    built = None
    for value in [n.value for n in ast_walk(fn) if isinstance(n, ast.Return)]:
        if isinstance(value, ast.Name):
            bound = [n.value for n in ast_walk(fn) if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == value.id for t in n.targets)]
            value = bound[0] if len(bound) == 1 else None
        if not (isinstance(value, ast.Call) and dotted_name(value.func) in (first, cls.name)) or (built is not None and value is not built):
            return None
        built = value
    return built


def callable_holds_dropout(inv: "ModuleInventory", name: str, path: Optional[str], index: Optional["ProjectIndex"]) -> bool:
    """Does calling ``name`` (as the module ``inv`` spells it) build a module with a dropout
    layer (``DROPOUT_CLASSES``, a mode-following ``F.dropout``, a library model with dropout)?"""
    head = name.split(".")[0]
    if head in inv.classes or head in inv.functions:
        return name == head and inv.holds_dropout(name)
    q = inv.resolve(name)
    if is_dropout_class(q) or factory_holds_dropout(q):
        return True
    if not (inv.is_imported(name) and path and index is not None and q.lstrip(".").split(".")[0] not in THIRD_PARTY_ROOTS):
        return False
    return index.holds_dropout(path, q)


def class_method(cls: ast.ClassDef, name: str) -> Optional[ast.AST]:
    """The method ``name`` defined in the body of ``cls`` (not inherited), or None."""
    return next((n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name), None)


def dotted_name(node: ast.AST) -> Optional[str]:
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


# Fields that hold only markers no one here looks at (`Load()`, operators): not walked.
_MARKER_FIELDS = frozenset({"ctx", "op", "ops", "type_comment", "type_ignores"})
# List fields that may hold identifiers or None next to nodes (`global x`, `{**d}`, kw-only
# arguments without a default, `case C(x=1)`).
_MIXED_LIST_FIELDS = frozenset({"names", "kwd_attrs", "keys", "kw_defaults"})
_walk_fields: Dict[type, Tuple[str, ...]] = {}


def ast_nodes(root: ast.AST) -> List[ast.AST]:
    """Every node under ``root`` (``root`` included), like ``ast.walk`` but several times
    cheaper (``ast_children``).  The order is not ``ast.walk``'s."""
    out: List[ast.AST] = []
    stack = [root]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(ast_children(node))
    return out


def ast_children(node: ast.AST) -> list:
    """A node's child nodes in field order, read through a per-type table of its fields; the
    marker fields (``ctx``, operators) are left out."""
    kind = type(node)
    fields = _walk_fields.get(kind)
    if fields is None:
        fields = _walk_fields[kind] = tuple(f for f in kind._fields if f not in _MARKER_FIELDS)
    out: list = []
    for name in fields:
        value = getattr(node, name, None)
        if type(value) is list:
            if name in _MIXED_LIST_FIELDS:  # identifiers or None among the nodes
                out.extend(item for item in value if isinstance(item, ast.AST))
            else:
                out.extend(value)
        elif isinstance(value, ast.AST):
            out.append(value)
    return out


def _statements(tree: ast.AST) -> Iterable[ast.stmt]:
    """Every statement, nested ones included, without visiting expressions (imports and
    class definitions are statements: this is several times cheaper than ``ast.walk``)."""
    stack = list(reversed(getattr(tree, "body", [])))
    while stack:
        node = stack.pop()
        yield node
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            block = getattr(node, name, None)
            if block:
                stack.extend(reversed(block))


# The names a package imported with `*` binds torch's modules to, by convention.
_TORCH_STAR_NAMES = (("torch", "torch"), ("nn", "torch.nn"), ("F", "torch.nn.functional"), ("optim", "torch.optim"))


def _bound_at_module_level(tree: ast.Module) -> Set[str]:
    """Names the module itself binds: definitions, assignments, imports, loop targets."""
    bound: Set[str] = set()
    for node in _statements(tree):
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names if a.name != "*")
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if not isinstance(node, (ast.With, ast.AsyncWith)) else [i.optional_vars for i in node.items if i.optional_vars is not None]
            for target in targets:
                bound.update(n.id for n in ast_walk(target) if isinstance(n, ast.Name))
    return bound


def _import_aliases(tree: ast.Module) -> Dict[str, str]:
    """Local name -> qualified name, for every name an import binds, and for module-level
    aliases of imported names (`BatchNorm = nn.BatchNorm2d`, `Norm = nn.SyncBatchNorm if
    distributed else nn.BatchNorm2d`), so that `BatchNorm(64)` in a class is a BN layer."""
    aliases: Dict[str, str] = {}
    for node in _statements(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    aliases[a.asname] = a.name
                else:
                    root = a.name.split(".")[0]
                    aliases.setdefault(root, root)
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            for a in node.names:
                if a.name == "*":
                    continue
                sep = "" if module.endswith(".") or not module else "."
                aliases[a.asname or a.name] = f"{module}{sep}{a.name}"
    aliases.update(_module_level_aliases(tree, aliases))
    return aliases


def _partial_of_class(value: ast.AST, imports: Dict[str, str]) -> Optional[ast.AST]:
    """`functools.partial(nn.BatchNorm2d, eps=1e-3)` -> `nn.BatchNorm2d`: keywords only, so the
    alias takes its arguments in the class's own positions."""
    if not isinstance(value, ast.Call) or len(value.args) != 1 or isinstance(value.args[0], ast.Starred):
        return None
    func = dotted_name(value.func)
    imported = ModuleInventory(path=None, aliases=imports)
    return value.args[0] if func and imported.is_imported(func) and imported.resolve(func) == "functools.partial" else None


def _module_level_aliases(tree: ast.Module, imports: Dict[str, str]) -> Dict[str, str]:
    """`NAME = imported.dotted.name` (or a conditional between such names, or a keyword-only
    `functools.partial` of one) at module level.

    Only names through an import (a local class has its own summary), never rebinding an
    import; a name assigned several such values keeps a BN one if there is one, since a
    may-analysis is what the summaries are.
    """
    out: Dict[str, str] = {}
    imported = ModuleInventory(path=None, aliases=imports)
    stack = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.If, ast.Try)):  # `if dist: Norm = ...`, `try: ... except: ...`
            for block in (node.body, node.orelse, getattr(node, "finalbody", []), *(h.body for h in getattr(node, "handlers", []))):
                stack.extend(reversed(block))
            continue
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if not isinstance(target, ast.Name) or target.id in imports:
            continue
        options = [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]
        for option in options:
            option = _partial_of_class(option, imports) or option
            dotted = dotted_name(option)
            if not dotted or not imported.is_imported(dotted):
                continue
            qualified = imported.resolve(dotted)
            if target.id not in out or is_bn_class(qualified):
                out[target.id] = qualified
    return out


# Attributes of a model that hold its BatchNorm: the convolutional trunk and stages of the
# library models (`densenet121().features`, `resnet50().layer4`), not the head.
BN_TRUNKS = frozenset({"features", "layer1", "layer2", "layer3", "layer4", "backbone", "encoder", "trunk", "blocks", "stages"})

# Where a library classifier keeps its dropout (`vgg16().classifier`): a call's result reduced to
# another attribute (`.features`) keeps none of it.
DROPOUT_HEADS = frozenset({"classifier", "head", "heads", "fc", "dropout", "drop"})


class _References:
    """Names a class or function body refers to, minus what cannot build anything: isinstance
    and type checks, annotations, and a literal list/tuple of classes that is only ever
    compared against (`safe = [nn.BatchNorm2d, ...]; if type(m) in safe:`).  Call ``finish``
    after visiting.

    An explicit-stack walk in ``ast.NodeVisitor``'s order (pre-order, fields in order): the
    visitor's per-node method dispatch was most of the cost of summarising a module.
    """

    def __init__(self) -> None:
        self.names: List[Tuple[str, ast.AST]] = []
        self.calls: List[ast.Call] = []
        self._class_tables: List[Tuple[List[str], ast.AST]] = []
        # ids of the callees of calls whose result only a submodule of is kept
        # (`vgg16(weights=...).features`): a library classifier's dropout head is not in it.
        self.sub_selected: Set[int] = set()

    def finish(self) -> "_References":
        """Count the class tables that are read somewhere other than in a comparison."""
        if self._class_tables:
            loaded = {n.id for _, n in self.names if type(n) is ast.Name and type(n.ctx) is ast.Load}
            tables, self._class_tables = self._class_tables, []
            for targets, value in tables:
                if any(t in loaded for t in targets):
                    self.visit(value)
        return self

    def visit(self, root: ast.AST) -> None:
        names, calls, tables = self.names, self.calls, self._class_tables
        stack = [root]
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind is ast.Name:
                names.append((node.id, node))  # type: ignore[attr-defined]
                continue
            if kind is ast.Attribute:
                name = dotted_name(node)
                if name:
                    names.append((name, node))
                    continue
                value = node.value  # type: ignore[attr-defined]
                if type(value) is ast.Call and node.attr not in MODULE_METHODS_KEEPING_MODE and node.attr not in DROPOUT_HEADS:  # type: ignore[attr-defined]
                    self.sub_selected.add(id(value.func))
                children: list = [value]
            elif kind is ast.Subscript and _namespace_pick(node) is not None:
                names.append((_namespace_pick(node), node))  # type: ignore[arg-type]  # `models.__dict__["vgg16"]`: `models.vgg16`
                continue
            elif kind is ast.Compare:
                continue  # `type(m) == nn.BatchNorm2d`, `m.__class__ in (...)`: checks, not construction
            elif kind is ast.Call:
                if dotted_name(node.func) in ("isinstance", "issubclass"):  # type: ignore[attr-defined]
                    continue  # `isinstance(m, nn.BatchNorm2d)` in weight init does not create BN
                calls.append(node)  # type: ignore[arg-type]
                children = ast_children(node)
            elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                self.sub_selected.update(_parts_only_kept(node))
                # Annotations name types, they build nothing: skip them (and the return annotation).
                args = node.args  # type: ignore[attr-defined]
                children = [*node.decorator_list, *args.defaults, *[d for d in args.kw_defaults if d is not None], *node.body]  # type: ignore[attr-defined]
            elif kind is ast.AnnAssign:
                children = [node.target] if node.value is None else [node.target, node.value]  # type: ignore[attr-defined]
            elif kind is ast.Assign and all(type(t) is ast.Name for t in node.targets) and _is_class_table(node.value):  # type: ignore[attr-defined]
                tables.append(([t.id for t in node.targets], node.value))  # type: ignore[attr-defined]
                continue
            else:
                children = ast_children(node)
            children.reverse()
            stack.extend(children)


# Reads of a module that hand on all of it: methods returning the module, and its parts in full.
_WHOLE_MODULE_READS = frozenset(MODULE_METHODS_RETURNING_SELF) | {"children", "modules", "named_children", "named_modules", "_modules"}


def _globals_read(node: ast.AST, names: "Dict[str, List[str]]") -> List[Tuple[str, ast.AST]]:
    """The reads, in the class or function ``node``, of the module globals ``names`` (a name that
    ``node`` never binds itself: no parameter, assignment or loop variable of that name in it)."""
    bound: Set[str] = set()
    reads: List[Tuple[str, ast.AST]] = []
    for n in ast_nodes(node):
        if type(n) is ast.Name:
            if type(n.ctx) is ast.Load:  # type: ignore[attr-defined]
                if n.id in names:  # type: ignore[attr-defined]
                    reads.append((n.id, n))  # type: ignore[attr-defined]
            else:
                bound.add(n.id)  # type: ignore[attr-defined]
        elif type(n) is ast.arg:
            bound.add(n.arg)  # type: ignore[attr-defined]
    return [(name, n) for name, n in reads if name not in bound]


def _drops_the_head(index: ast.AST) -> bool:
    """An index into a model's list of children that leaves out its last child, where a library
    classifier keeps its dropout: `[0]` (the stem, `features` of a VGG) or `[:-k]`."""
    if type(index) is ast.Constant:
        return index.value == 0 and type(index.value) is int  # type: ignore[attr-defined]
    if type(index) is not ast.Slice or index.step is not None:  # type: ignore[attr-defined]
        return False
    lower, upper = index.lower, index.upper  # type: ignore[attr-defined]
    starts_at_stem = lower is None or (type(lower) is ast.Constant and lower.value == 0)  # type: ignore[attr-defined]
    ends_before_last = type(upper) is ast.UnaryOp and type(upper.op) is ast.USub and type(upper.operand) is ast.Constant and type(upper.operand.value) is int and upper.operand.value > 0  # type: ignore[attr-defined]
    return starts_at_stem and ends_before_last


def _part_read_of(node: ast.AST) -> Optional[ast.AST]:
    """The model expression ``node`` reads only a part of, without its dropout head:
    `m.features` and `list(m.children())[:-1]` read a part of `m`; `m.classifier`, `m.eval()`
    and `m.children()` do not."""
    kind = type(node)
    if kind is ast.Attribute:
        return node.value if node.attr not in DROPOUT_HEADS and node.attr not in _WHOLE_MODULE_READS else None  # type: ignore[attr-defined]
    if kind is not ast.Subscript or not _drops_the_head(node.slice):  # type: ignore[attr-defined]
        return None
    listed = node.value  # type: ignore[attr-defined]
    if type(listed) is not ast.Call or dotted_name(listed.func) != "list" or len(listed.args) != 1 or listed.keywords:
        return None
    children = listed.args[0]
    if type(children) is ast.Call and not children.args and type(children.func) is ast.Attribute and children.func.attr == "children":
        return children.func.value
    return None


def _parts_only_kept(fn: ast.AST) -> List[int]:
    """ids of the callees of calls in ``fn`` whose result only a part other than the head is
    kept of (as `vgg16(...).features`, the library classifier's dropout head is not kept):
    - bound once to a local name that is only ever read for a part
      (`vgg = vgg16(weights=...)` ... `vgg.features[:16]`);
    - bound to a name or attribute that the next statement rebinds to a part of it
      (`self.model = vgg16(...)`, then `self.model = nn.Sequential(*list(self.model.children())[:-1])`)."""
    bound: Dict[str, ast.AST] = {}
    stores: Dict[str, int] = {}
    loads: Dict[str, int] = {}
    part_reads: Dict[str, int] = {}
    rebound: List[int] = []
    for node in ast_nodes(fn):
        kind = type(node)
        if kind is ast.Assign and len(node.targets) == 1 and type(node.targets[0]) is ast.Name and type(node.value) is ast.Call:  # type: ignore[attr-defined]
            bound[node.targets[0].id] = node.value.func  # type: ignore[attr-defined]
        elif kind is ast.Name:
            counts = loads if type(node.ctx) is ast.Load else stores  # type: ignore[attr-defined]
            counts[node.id] = counts.get(node.id, 0) + 1  # type: ignore[attr-defined]
        part_of = _part_read_of(node)
        if type(part_of) is ast.Name:
            part_reads[part_of.id] = part_reads.get(part_of.id, 0) + 1  # type: ignore[attr-defined]
        for body in (getattr(node, "body", None), getattr(node, "orelse", None), getattr(node, "finalbody", None)):
            if type(body) is list:
                rebound.extend(_rebound_to_a_part(body))
    once = [id(func) for name, func in bound.items() if stores.get(name) == 1 and loads.get(name, 0) > 0 and part_reads.get(name, 0) == loads[name]]
    return once + rebound


def _rebound_to_a_part(body: List[ast.stmt]) -> List[int]:
    """ids of the callees of `target = call(...)` statements in ``body`` whose next statement
    rebinds ``target`` to a part of it: the whole model was reachable through ``target`` alone,
    so only that part of it survives."""
    out = []
    for first, second in zip(body, body[1:]):
        if not (type(first) is ast.Assign and type(second) is ast.Assign and len(first.targets) == 1 and len(second.targets) == 1 and type(first.value) is ast.Call):
            continue
        target = dotted_name(first.targets[0])
        if not target or dotted_name(second.targets[0]) != target:
            continue
        reads = [n for n in ast_nodes(second.value) if type(n) in (ast.Name, ast.Attribute) and dotted_name(n) == target]
        parts = [n for n in ast_nodes(second.value) if dotted_name(_part_read_of(n) or second) == target]  # type: ignore[arg-type]
        if reads and len(parts) == len(reads):
            out.append(id(first.value.func))
    return out


# What a factory's summary can record (``summaries.Construction``): a mode call, a freeze, a load.
_HANDS_BACK_MODES = lazy(r"\.eval\(|\.train\(|requires_grad\w*\s*(=|\()\s*False|load_state_dict\(")


@record
class ModuleLevelModel:
    """A model a module builds at its top level, for the modules that import it (``ProjectIndex.module_level_model``)."""

    holds_bn: bool
    holds_dropout: bool
    has_weights: bool  # built with `weights=`/`pretrained=`, or given a `load_state_dict` there
    switched: bool  # that module, or one that imports it, calls `.eval()`/`.train()` on it
    cls_name: str
    # A dict of the module's top level that holds such models (`args["model"] = Net()`): they,
    # by key (the dict itself holds no layer).
    parts: Optional[Dict[str, "ModuleLevelModel"]] = None

    @property
    def any_bn(self) -> bool:
        return self.holds_bn or any(part.holds_bn for part in (self.parts or {}).values())

    @property
    def any_dropout(self) -> bool:
        return self.holds_dropout or any(part.holds_dropout for part in (self.parts or {}).values())


_CONTAINERS = frozenset({"Sequential", "ModuleList", "ModuleDict"})


def weights_given(call: ast.Call) -> bool:
    """`resnet50(pretrained=True)`, `vgg16(weights="DEFAULT")`: a `pretrained=`/`weights=` keyword
    that is not False, None, 0 or empty gives the model trained weights."""
    return any(
        k.arg in ("pretrained", "weights") and not (isinstance(k.value, ast.Constant) and k.value.value in (False, None, 0, ""))
        for k in call.keywords
    )


def _model_call(value: ast.AST) -> Optional[Tuple[str, bool]]:
    """`Net(...)`, `Net(...).cuda()`: (the callee as spelled, weights given there); else None."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in MODULE_METHODS_KEEPING_MODE:
        value = value.func.value
    name = dotted_name(value.func) if isinstance(value, ast.Call) else None
    if not name:
        return None
    weights = weights_given(value)  # type: ignore[arg-type]
    return name, weights


def top_level_dicts(tree: ast.Module, top_level_values: "Dict[str, List[ast.AST]]") -> Dict[str, Dict[str, ast.expr]]:
    """The dicts a module fills at its top level: a name bound once there to `{}`, `dict()`,
    `{"model": Net()}` or `dict(model=Net())`, and its entries by literal key, with those
    `args["loader"] = loader` adds at the top level.  A key bound twice (two objects on two lines)
    is left out; a dict also filled under a key not known there is left out whole."""
    out: Dict[str, Dict[str, ast.expr]] = {}
    seen: Dict[str, Dict[str, int]] = {}
    for name, values in top_level_values.items():
        value = values[0] if len(values) == 1 else None
        if isinstance(value, ast.Dict) and all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in value.keys):
            pairs = [(k.value, v) for k, v in zip(value.keys, value.values)]  # type: ignore[union-attr]
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "dict" and not value.args and all(k.arg for k in value.keywords):
            pairs = [(k.arg, k.value) for k in value.keywords]  # type: ignore[misc]
        else:
            continue
        out[name], seen[name] = {}, {}
        for key, item in pairs:
            seen[name][key] = seen[name].get(key, 0) + 1
            out[name][key] = item
    for node in tree.body if out else ():
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
        if not (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and target.value.id in out):
            continue
        key = target.slice.value if isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, str) else None
        if key is None:
            out.pop(target.value.id)
            continue
        seen[target.value.id][key] = seen[target.value.id].get(key, 0) + 1
        out[target.value.id][key] = node.value  # type: ignore[union-attr]
    return {name: {k: v for k, v in entries.items() if seen[name][k] == 1} for name, entries in out.items()}


def _top_level_dict_models(tree: ast.Module, top_level_values: "Dict[str, List[ast.AST]]") -> Dict[str, Dict[str, Tuple[str, bool]]]:
    """``ModuleInventory.module_model_holders``: the entries of ``top_level_dicts`` that are
    calls (`args["model"] = Net().cuda()`), as (callee, weights given there)."""
    out: Dict[str, Dict[str, Tuple[str, bool]]] = {}
    for name, entries in top_level_dicts(tree, top_level_values).items():
        calls = {key: found for key, found in ((k, _model_call(v)) for k, v in entries.items()) if found is not None}
        if calls:
            out[name] = calls
    return out


def _binds_top_level(statement: ast.stmt, name: str) -> bool:
    """Is ``statement`` a top-level `name = value` (or `name: T = value`)?"""
    if isinstance(statement, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in statement.targets)
    return isinstance(statement, ast.AnnAssign) and statement.value is not None and isinstance(statement.target, ast.Name) and statement.target.id == name


def _children_source(starred: ast.Starred) -> Optional[ast.AST]:
    """`*list(m.children())[:-1]` (or `*m.children()`, `*list(m.modules())`, a slice from the start):
    ``m``, whose BatchNorm those parts keep (a slice from the start drops the head, not `bn1`);
    None for anything else."""
    value = starred.value
    if isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Slice):
        lower = value.slice.lower
        if not (lower is None or isinstance(lower, ast.Constant) and lower.value == 0):
            return None
        value = value.value
    if isinstance(value, ast.Call) and dotted_name(value.func) in ("list", "tuple") and len(value.args) == 1:
        value = value.args[0]
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in ("children", "modules") and not value.args:
        return value.func.value
    return None


def _namespace_pick(node: ast.AST) -> Optional[str]:
    """`models.__dict__["vgg16"]`, a module's namespace indexed with a literal name: `models.vgg16`
    (the namespace as a whole is a table of every model it has, ``table_call_name``)."""
    value, key = node.value, node.slice  # type: ignore[attr-defined]
    if type(value) is ast.Attribute and value.attr == "__dict__" and type(key) is ast.Constant and isinstance(key.value, str) and key.value.isidentifier():
        module = dotted_name(value.value)
        return f"{module}.{key.value}" if module else None
    return None


def _is_class_table(value: ast.AST) -> bool:
    """A literal list/tuple/set of dotted names (nested tuples too): `[nn.Linear, nn.BatchNorm2d]`."""
    if type(value) not in (ast.List, ast.Tuple, ast.Set):
        return False
    elts = value.elts  # type: ignore[attr-defined]
    return bool(elts) and all(type(e) in (ast.Name, ast.Attribute) and dotted_name(e) or _is_class_table(e) for e in elts)


if TYPE_CHECKING:  # pragma: no cover
    from bnlint.summaries import Construction

    ExternalLookup = Callable[[str], bool]


@record
class _Reasons:
    """What could make one class or function hold BN, from its bases and the names it uses."""

    direct: bool  # names a BN layer, BN function or BN factory itself
    local: Tuple[str, ...]  # local classes/functions it uses (holds BN if one of them does)
    imported: Tuple[str, ...]  # qualified project names it uses (holds BN if one of them does)


def calls_bn_function(call: ast.Call, resolve: Callable[[str], str], cls: Optional[ast.ClassDef] = None) -> bool:
    """``F.batch_norm(...)`` / ``torch.batch_norm(...)``, through the module's imports, whose
    ``training`` argument may follow the module's mode.  A literal ``True`` or ``False`` there
    (adaptive instance norm: `F.batch_norm(x.view(1, b * c, ...), ..., True, ...)`) makes the
    call the same in both modes, and a module built on it no BN layer in the rules' sense; so
    does a parameter of the method of ``cls`` it is in, never rebound there, that the caller
    chooses (`def forward(self, x, bn_training=True)`, MAML's functional learner): the module's
    `.train()`/`.eval()` does not reach it."""
    name = dotted_name(call.func)
    if not (bool(name) and (name in ("F.batch_norm", "torch.batch_norm") or resolve(name) in BN_FUNCTIONS)):
        return False
    training = call.args[5] if len(call.args) > 5 else next((k.value for k in call.keywords if k.arg == "training"), None)
    if isinstance(training, ast.Constant) and isinstance(training.value, bool):
        return False
    if isinstance(training, ast.Name) and cls is not None and _caller_chosen_flag(cls, call, training.id):
        return False
    return True


def _caller_chosen_flag(cls: ast.ClassDef, call: ast.Call, name: str) -> bool:
    """Is ``name`` a parameter of the method of ``cls`` that holds ``call``, with a literal
    `True`/`False` default, and bound nowhere else in that method?"""
    for method in cls.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) or not any(n is call for n in ast_walk(method)):
            continue
        args = method.args
        positional = args.posonlyargs + args.args
        defaults = dict(zip([a.arg for a in positional][len(positional) - len(args.defaults):], args.defaults))
        defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
        default = defaults.get(name)
        if not (isinstance(default, ast.Constant) and isinstance(default.value, bool)):
            return False
        return not any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store) for n in ast_walk(method))
    return False


def is_hand_written_bn(cls: ast.ClassDef) -> bool:
    """A BatchNorm written by hand: the class keeps running statistics (`running_mean` /
    `running_var`, as buffers or attributes) and its `forward` tests `self.training` (batch
    statistics in train mode, the running ones in eval)."""
    forward = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "forward"), None)
    if forward is None:
        return False
    if not any(isinstance(n, ast.Attribute) and n.attr == "training" and isinstance(n.value, ast.Name) and n.value.id == "self" for n in ast_walk(forward)):
        return False
    for n in ast_walk(cls):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "register_buffer" and n.args:
            first = n.args[0]
            if isinstance(first, ast.Constant) and first.value in ("running_mean", "running_var"):
                return True
        if isinstance(n, ast.Assign) and any(isinstance(t, ast.Attribute) and t.attr in ("running_mean", "running_var") for t in n.targets):
            return True
    return False


def _star_imports(tree: ast.Module) -> List[str]:
    """The modules of `from <module> import *` statements (`.models` relative, as written)."""
    return ["." * node.level + (node.module or "") for node in _statements(tree) if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)]


# `x.load_state_dict(` / `self.part.load_state_dict(`: where a checkpoint is loaded into.
_LOADED_INTO = lazy(rb"(?<![\w.])(\w+)(?:\.\w+)*\.load_state_dict\(")


def _loads_into_self_or_returned(text: bytes) -> bool:
    """A checkpoint loaded into `self` or a part of it (a constructor), or into a name the
    definition returns (a factory): where a summary records ``Construction.loads_weights``."""
    for m in _LOADED_INTO.finditer(text):
        name = m.group(1)
        if name == b"self" or re.search(rb"\breturn\s+" + re.escape(name) + rb"\b", text) is not None:
            return True
    return False


def _top_level_definition_text(text: str, name: str) -> Optional[str]:
    """The text of the top-level `def name`/`class name` of a module's text, up to the next
    top-level statement; None when the module defines no such name at column 0."""
    m = re.search(r"^(?:async\s+def|def|class)\s+" + re.escape(name) + r"\b", text, re.M)
    if m is None:
        return None
    body_start = text.find("\n", m.end())
    if body_start < 0:
        return text[m.start():]
    end = re.compile(r"^[^\s#]", re.M).search(text, body_start + 1)  # (a `^` at the start of the line after the header)
    return text[m.start(): end.start()] if end else text[m.start():]


def star_bindings(stars: List[str], star_names: Callable[[str], Iterable[Tuple[str, Optional[str]]]]) -> Dict[str, str]:
    """Public name -> qualified name for what the `from <module> import *` statements ``stars``
    (in file order) bind.  A later star import rebinds a name an earlier one bound, as Python
    executes them (`from .act import *` then `from .layers import *`: `DecoderLayer` is
    `.layers.DecoderLayer`).  ``star_names(module)`` gives each name with the third-party object
    the module bound it to, if any: `import torch as T` in the starred module makes `T` torch."""
    bound: Dict[str, str] = {}
    for module in stars:
        sep = "" if module.endswith(".") else "."
        for name, external in star_names(module):
            if not name.startswith("_"):
                bound[name] = external or f"{module}{sep}{name}"
    return bound


def _local_summary(
    tree: ast.Module,
    path: Optional[str],
    star_names: Optional[Callable[[str], Iterable[Tuple[str, Optional[str]]]]] = None,
    builds_no_bn: Optional[Callable[[str, ast.Call], bool]] = None,
) -> Tuple[ModuleInventory, Dict[str, _Reasons]]:
    """Everything about a module that needs no other module: names, bases, BN subclasses, reasons.
    ``star_names`` (the project index) lists what a `from x import *` binds, so that `Net` from
    `from models import *` is `models.Net` like an explicit import. ``builds_no_bn(qualified,
    call)`` (the index again) says whether a call of a project class of another module switches
    off the BatchNorm its `__init__` builds only under a test of a parameter (`norm=None`)."""
    inv = ModuleInventory(path=path, aliases=_import_aliases(tree))
    stars = _star_imports(tree)
    if star_names is not None:
        defined = {n.name for n in _statements(tree) if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))}
        # A name the module assigns at its top level is its own from there on (star imports come first).
        defined |= {t.id for n in tree.body if isinstance(n, (ast.Assign, ast.AnnAssign)) for t in (n.targets if isinstance(n, ast.Assign) else [n.target]) if isinstance(t, ast.Name)}
        for name, target in star_bindings(stars, star_names).items():
            if name not in defined:
                inv.aliases.setdefault(name, target)
    if stars:
        # `from torch_snippets import *` (a helper package that re-exports torch under its usual
        # names): `nn.BatchNorm2d` with `nn` bound by nothing else in the module is torch's.
        bound = _bound_at_module_level(tree)
        for name, target in _TORCH_STAR_NAMES:
            if name not in inv.aliases and name not in bound:
                inv.aliases[name] = target
    seen_defs: Dict[str, List[ast.AST]] = {}
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            seen_defs.setdefault(node.name, []).append(node)
    for name, nodes in seen_defs.items():
        if len(nodes) > 1:
            in_order = [any(isinstance(n, (ast.Name, ast.Attribute)) and is_bn_class(inv.resolve(dotted_name(n) or "")) for n in ast_walk(d)) for d in nodes]
            if len(set(in_order)) > 1:
                inv.ambiguous.add(name)
                inv.definition_bn[name] = in_order
            dropout = {
                any(
                    (isinstance(n, (ast.Name, ast.Attribute)) and is_dropout_class(inv.resolve(dotted_name(n) or "")))
                    or (isinstance(n, ast.Call) and calls_dropout_function(n, inv.resolve))
                    for n in ast_walk(d)
                )
                for d in nodes
            }
            if len(dropout) > 1:
                inv.ambiguous_dropout.add(name)
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            inv.classes[node.name] = node
            inv.class_bases[node.name] = [inv.resolve(b) for b in (dotted_name(x) for x in node.bases) if b]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inv.functions[node.name] = node  # type: ignore[assignment]
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Dict):
            values = [dotted_name(v) for v in node.value.values]
            if values and all(values) and all(k is not None for k in node.value.keys):
                inv.tables[node.targets[0].id] = values  # type: ignore[assignment]
    # Nested classes are rare in model code but cheap to include by name.
    for node in _statements(tree):
        if isinstance(node, ast.ClassDef) and node.name not in inv.classes:
            inv.classes[node.name] = node
            inv.class_bases[node.name] = [inv.resolve(b) for b in (dotted_name(x) for x in node.bases) if b]

    # BN layer subclasses and frozen look-alikes, to a fixpoint over local bases.
    changed = True
    while changed:
        changed = False
        for name, bases in inv.class_bases.items():
            if name in inv.bn_layer_classes or name in inv.frozen_classes:
                continue
            if name.startswith("FrozenBatchNorm") or any(is_frozen_bn_class(b) or b in inv.frozen_classes for b in bases):
                inv.frozen_classes.add(name)
                changed = True
            elif any(is_bn_class(b) or b in inv.bn_layer_classes for b in bases):
                inv.bn_layer_classes.add(name)
                changed = True
        for name, bases in inv.class_bases.items():
            if any(b in LIGHTNING_MODULES or b.endswith("LightningModule") for b in bases):
                inv.lightning_classes.add(name)

    def call_overrides_norm(call: ast.Call) -> bool:
        """`resnet50(norm_layer=FrozenBatchNorm2d)` builds no train-mode BN."""
        for kw in call.keywords:
            if kw.arg == "norm_layer":
                q = inv.resolve(dotted_name(kw.value) or "")
                return not is_bn_class(q)
        return False

    for name, cls in inv.classes.items():
        init = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
        if init is not None and _bn_under_init_tests(init, inv.resolve):
            inv.switchable_bn[name] = cls

    def call_switches_bn_off(call: ast.Call, defaults: Dict[str, object]) -> bool:
        """`ConvBlock(64, 64, norm=None)` of a block whose `__init__` builds BatchNorm only under
        `if self.norm == "batch":`: this call builds none (``summaries.layers_switched_off``).  So
        does `select_norm("ln", dim)` of a function of the module that returns BatchNorm only on
        a branch its parameter rules out (``selector_builds_no_bn``), also through ``defaults``, the
        literal defaults of the caller's parameters (`select_norm(norm, dim)` with `norm="ln"`)."""
        name = dotted_name(call.func)
        if not name:
            return False
        if name in inv.functions:
            return selector_builds_no_bn(inv.functions[name], call, defaults, lambda n: is_bn_class(inv.resolve(n)))
        if name in inv.classes:
            # (Read for any call that unpacks nothing: the defaults it leaves in place decide too,
            # `ConvBlock(cin, cout)` of a block with `instance_norm=True`; answers are kept per class
            # and set of literals.)
            return name in inv.switchable_bn and _unpacks_nothing(call) and class_switched_off(inv.classes[name], inv.resolve, call)
        head = name.split(".")[0]
        if head in inv.classes or head in inv.functions or not inv.is_imported(name):
            return False
        q = inv.resolve(name)
        if q in FACTORY_NAME_ARGUMENT:
            # `timm.create_model("vit_small_patch16_224")`: the literal architecture decides.
            return literal_architecture_without_bn(call, FACTORY_NAME_ARGUMENT[q])
        if builds_no_bn is None:
            return False
        return q.lstrip(".").split(".")[0] not in THIRD_PARTY_ROOTS and _literal_arguments(call) and builds_no_bn(q, call)

    reasons: Dict[str, _Reasons] = {}
    calls_by_name: Optional[Dict[str, List[ast.Call]]] = None  # built on first need
    from bnlint.summaries import literal_defaults

    # Models the module builds once at its top level (`resnet = models.resnet50(...)`): a class or
    # function that reads such a global (`nn.Sequential(*list(resnet.children())[:4])`) uses what
    # built it.
    top_level_calls: Dict[str, List[ast.AST]] = {}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Name):
                    top_level_calls.setdefault(target.id, []).append(node.value)
    module_models: Dict[str, List[str]] = {}
    for name, values in top_level_calls.items():
        callees = [c for c in (dotted_name(v.func) for v in values if isinstance(v, ast.Call)) if c]
        # `conv_base = nn.Sequential(nn.Conv2d(...), nn.BatchNorm2d(64))`: a container holds its parts.
        callees += [
            c for v in values if isinstance(v, ast.Call) and (dotted_name(v.func) or "").rsplit(".", 1)[-1] in _CONTAINERS
            for part in v.args if isinstance(part, ast.Call) for c in [dotted_name(part.func)] if c
        ]
        if callees and name not in inv.classes and name not in inv.functions:
            module_models[name] = callees
    for name, values in top_level_calls.items():
        if len(values) == 1 and name in module_models and isinstance(values[0], ast.Call):
            call = values[0]
            weights = weights_given(call)  # type: ignore[arg-type]
            inv.module_models[name] = (module_models[name][0], weights)
            inv.module_calls[name] = call
    inv.module_model_holders = _top_level_dict_models(tree, top_level_calls)

    for name, node in list(inv.classes.items()) + list(inv.functions.items()):
        init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None) if isinstance(node, ast.ClassDef) else node
        # The literal defaults of the parameters of the `__init__` (or function) being read, for the
        # calls made in it: a norm selector handed one of them is decided by it.
        defaults = literal_defaults(init.args) if isinstance(init, (ast.FunctionDef, ast.AsyncFunctionDef)) else {}
        in_init = {id(n) for n in ast_walk(init)} if defaults and init is not node else None
        r = _References()
        for stmt in node.body:
            r.visit(stmt)  # methods: their bodies, decorators and defaults (`norm_layer=nn.BatchNorm2d`)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for default in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
                r.visit(default)
        r.finish()
        if module_models and any(d.split(".")[0] in module_models for d, _ in r.names):
            r.names.extend((callee, n) for g, n in _globals_read(node, module_models) for callee in module_models[g] if callee != name)
        if inv.tables:
            # `registry[name](num_classes)`, `MODELS.get(arch)(...)`: a call of one of the factories
            # of a dict of this module builds what that factory builds.
            for c in r.calls:
                table = table_call_name(c.func)
                if table and table.endswith(TABLE_SUFFIX) and table[: -len(TABLE_SUFFIX)] in inv.tables:
                    r.names.extend((value, c.func) for value in inv.tables[table[: -len(TABLE_SUFFIX)]] if value != name)
        overridden = {id(c.func) for c in r.calls if call_overrides_norm(c) or call_switches_bn_off(c, defaults if in_init is None or id(c) in in_init else {})}
        overridden |= _factories_limited_to_no_bn_names(node, inv, top_level_calls)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # `norm = pick_norm(cfg)` that nothing reads: what it builds is not in what the factory
            # returns (`return MotionNet(8)`, built without it).
            overridden |= _dead_store_nodes(node)
        # A module whose forward calls F.batch_norm is a BN layer in disguise; a plain function
        # that calls it computes a tensor, it does not build a module with a train/eval mode.
        calls_bn = isinstance(node, ast.ClassDef) and (any(calls_bn_function(c, inv.resolve, node) for c in r.calls) or is_hand_written_bn(node))
        reasons[name] = _classify_reasons(inv, name, inv.class_bases.get(name, []), dict.fromkeys(d for d, n in r.names if id(n) not in overridden), calls_bn)
        dropout_names = dict.fromkeys(d for d, n in r.names if id(n) not in r.sub_selected)
        dropout_calls = r.calls
        names_dropout = any(is_dropout_class(inv.resolve(d)) for d in dropout_names) or any(calls_dropout_function(c, inv.resolve) for c in r.calls)
        if isinstance(node, ast.ClassDef) and names_dropout:
            reached = reachable_parts(node)
            if reached is not None:
                # Dropout that the forward never runs (a classifier head a feature extractor's
                # `forward` skips) changes no output: only what `forward` reaches counts.  And a
                # dropout layer built inside the forward (`nn.Dropout(p)(x)`) is a new module in
                # train mode on every call: the model's mode does not reach it.
                methods, values = _References(), _References()
                for part in reached[0]:
                    methods.visit(part)
                for part in reached[1]:
                    values.visit(part)
                methods.finish()
                values.finish()
                dropout_names = dict.fromkeys(
                    [d for d, n in methods.names if not is_dropout_class(inv.resolve(d)) and id(n) not in methods.sub_selected]
                    + [d for d, n in values.names if id(n) not in values.sub_selected]
                )
                dropout_calls = methods.calls + values.calls  # (`self.rnn = nn.GRU(..., dropout=p)`: a value)
        calls_dropout = isinstance(node, ast.ClassDef) and any(calls_dropout_function(c, inv.resolve) for c in dropout_calls)
        inv.dropout_reasons[name] = _classify_reasons(inv, name, inv.class_bases.get(name, []), dropout_names, calls_dropout, kind="dropout")
        if (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and any(x.direct or x.local or x.imported for x in (reasons[name], inv.dropout_reasons[name]))
            and _returns_classes(node, inv)
        ):
            # `def str2model(name): ... return MLP`: it hands back a class, builds no module.
            reasons[name] = inv.dropout_reasons[name] = _Reasons(False, (), ())
            continue
        builds_via_helper = any(reasons.get(helper) is not None and reasons[helper].direct for helper in reasons[name].local)
        if (reasons[name].direct or builds_via_helper) and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # `def vgg(cfg, batch_norm=False): ... if batch_norm: layers += [nn.BatchNorm2d(v)]`,
            # called in this module only without a true `batch_norm`: that BN is never built (nor
            # the BN a helper defined above it builds, `norm(norm_type, nc) if norm_type else None`;
            # only such helpers are asked about: reading every function with a local call cost 5 %
            # of a run on the torch sources).
            if calls_by_name is None:
                calls_by_name = {}
                for call in ast_walk(tree):
                    if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
                        calls_by_name.setdefault(call.func.id, []).append(call)
            unset = _names_under_unset_flags(node, calls_by_name.get(node.name, []))
            if unset:
                overridden |= unset
                reasons[name] = _classify_reasons(inv, name, inv.class_bases.get(name, []), dict.fromkeys(d for d, n in r.names if id(n) not in overridden), calls_bn)

    for name, node in inv.classes.items():
        methods = {item.name: item for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
        override = methods.get("train")
        if override is not None and _train_override_evals_bn(override, inv.functions, methods):
            if _evals_direct_children_only(override) and not _children_are_leaf_layers(methods.get("__init__"), inv):
                # `for child in self.children(): if isinstance(child, nn.BatchNorm2d): child.eval()`
                # reaches only BN that are direct children: the BN inside `self.trunk` or a
                # `Sequential` child runs in train mode again (SFDA-style "freeze BN" overrides).
                inv.partial_train_override.add(name)
                continue
            inv.bn_eval_train_override.add(name)
        elif override is not None and _leaves_constructor_freeze(override, methods.get("__init__")):
            # `def train(self, mode=True): self.training = mode; for part in [self.top, self.head]:
            # part.train(mode)`, never `super().train(mode)`: the part the constructor froze
            # (`self.stem.eval()`) is not among those it switches, so it stays in eval.
            inv.bn_eval_train_override.add(name)
        elif _forward_refreezes(methods.get("forward"), inv.functions, methods):
            # `forward` puts the BN layers back in eval before they run (`if self.bn_freezed:
            # self.freeze_bn()`): whatever `.train()` did, they normalise with running statistics.
            inv.bn_eval_train_override.add(name)
    return inv, reasons


def attributes_switched(cls: ast.ClassDef) -> Dict[str, Set[str]]:
    """`self.<attr>` -> the modes (``summaries`` "T", "E", "?") the class's methods set on it,
    directly or through a local name a method binds to it (`model = self.model` ...
    `model.train()`)."""
    from bnlint.summaries import _mode_of

    out: Dict[str, Set[str]] = {}
    for method in cls.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        aliases: Dict[str, str] = {}
        calls: List[Tuple[str, str]] = []
        for node in ast_walk(method):
            if isinstance(node, ast.Assign):
                source = dotted_name(node.value)
                if source and source.startswith("self.") and source.count(".") == 1:
                    aliases.update((t.id, source) for t in node.targets if isinstance(t, ast.Name))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                mode = _mode_of(node)
                receiver = dotted_name(node.func.value) if mode is not None else None
                if receiver:
                    calls.append((receiver, mode))  # type: ignore[arg-type]
        for receiver, mode in calls:
            name = aliases.get(receiver, receiver)
            if name.startswith("self.") and name.count(".") == 1:
                out.setdefault(name[5:], set()).add(mode)
    return out


def _forward_refreezes(forward: Optional[ast.AST], functions: Dict[str, ast.AST], methods: Dict[str, ast.AST]) -> bool:
    """Does ``forward`` put something back in eval (``_train_override_evals_bn``) in a statement
    before any of its layers runs, and nothing in train mode (`self.eval()` ... `self.train()`
    around a frozen part is no freeze)?"""
    if forward is None:
        return False
    for stmt in forward.body:  # type: ignore[attr-defined]
        if _train_override_evals_bn(stmt, functions, methods):
            break
        if any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name) and n.func.value.id == "self" for n in ast_walk(stmt)):
            return False  # `self.backbone(x)` (or any method) runs before the freeze
    else:
        return False
    return not any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "train"
        and not (n.args and isinstance(n.args[0], ast.Constant) and n.args[0].value is False)
        for n in ast_nodes(forward)
    )


def _returns_classes(fn: ast.AST, inv: "ModuleInventory") -> bool:
    """Does every `return` of ``fn`` give a class or a name imported from another module (`return
    MLP` after `from models.mlp import MLP` in the function, `return models.ResNet`), never a call,
    a parameter, or a variable bound to a value (a module-level model included): a registry that
    hands back classes, not models?  (One walk of the function's own body, left at the first
    `return` of anything else: most functions return a call or nothing.)"""
    roots: List[str] = []
    imported: Set[str] = set()
    bound: Set[str] = {a.arg for a in ast_walk(fn.args) if isinstance(a, ast.arg)}  # type: ignore[attr-defined]
    stack = list(fn.body)  # type: ignore[attr-defined]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.Return:
            root = node.value  # type: ignore[attr-defined]
            while isinstance(root, ast.Attribute):
                root = root.value
            if not isinstance(root, ast.Name):
                return False
            roots.append(root.id)
            continue
        if kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda):
            continue  # its returns are its own
        if kind is ast.Import or kind is ast.ImportFrom:
            imported.update((a.asname or a.name).split(".")[0] for a in node.names)  # type: ignore[attr-defined]
            continue
        if kind is ast.Name and type(node.ctx) is ast.Store:  # type: ignore[attr-defined]
            bound.add(node.id)  # type: ignore[attr-defined]
            continue
        stack.extend(ast.iter_child_nodes(node))
    if not roots:
        return False
    return all(r not in bound and (r in imported or r in inv.classes or inv.is_imported(r)) for r in roots)


def reachable_parts(cls: ast.ClassDef, start: str = "forward") -> Optional[Tuple[List[ast.AST], List[ast.AST]]]:
    """The parts of a module class that its method ``start`` (`forward` by default) runs: the
    methods it reaches through `self` calls, and the values assigned to the `self.<attr>` they use;
    None without such a method of its own (an inherited one may use anything)."""
    methods = {n.name: n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if start not in methods:
        return None
    seen = {start}
    todo = [start]
    used: Set[str] = set()
    parts: List[ast.AST] = []
    while todo:
        fn = methods[todo.pop()]
        parts.append(fn)
        for n in ast_walk(fn):
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self":
                if n.attr in methods and n.attr not in seen:
                    seen.add(n.attr)
                    todo.append(n.attr)
                used.add(n.attr)
    if any(
        isinstance(n, ast.Attribute) and n.attr in ("_modules", "children", "modules", "named_children", "named_modules") and isinstance(n.value, ast.Name) and n.value.id == "self"
        for p in parts
        for n in ast_walk(p)
    ):
        return None  # it runs its own submodules by iteration: any of them
    values: List[ast.AST] = []
    for fn in methods.values():
        locals_: Dict[str, List[ast.AST]] = {}  # `linear1 = nn.Sequential(..., nn.Dropout(0.5))`
        for n in ast_walk(fn):
            if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
                locals_.setdefault(n.targets[0].id, []).append(n.value)
            # A list the layers are collected in (`parts.append(nn.Dropout(p))`, `parts += [...]`,
            # `parts.extend(...)`), then `nn.Sequential(*parts)`: its items are bound to it too.
            elif isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
                locals_.setdefault(n.target.id, []).append(n.value)
            elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("append", "extend", "insert") and isinstance(n.func.value, ast.Name):
                locals_.setdefault(n.func.value.id, []).extend(n.args)
        for n in ast_walk(fn):
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self" and t.attr in used for t in n.targets):
                values.append(n.value)
                # `self.layers = nn.Sequential(linear1, linear2)`: the locals it is built from too
                # (one level: what they were bound to in this method).
                for name in {m.id for m in ast_walk(n.value) if isinstance(m, ast.Name)}:
                    values.extend(locals_.get(name, ()))
    return parts, values


def _names_under_unset_flags(fn: ast.AST, calls: List[ast.Call]) -> Set[int]:
    """Nodes of ``fn`` under `if <flag>:` for a parameter whose default is `False`/`None`/`0`, when
    no call of ``fn`` in this module passes the flag anything but such a value.  (A call from
    another module could pass `True`: not seen, as any other module's use is not.)"""
    assert isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
    positional = [a.arg for a in fn.args.posonlyargs + fn.args.args]
    defaults = dict(zip(positional[len(positional) - len(fn.args.defaults):], fn.args.defaults))
    defaults.update({a.arg: d for a, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults) if d is not None})
    flags = {name for name, d in defaults.items() if isinstance(d, ast.Constant) and d.value in (False, None, 0)}
    if not flags:
        return set()
    # `if norm_type: layers.append(norm(norm_type, nc))`, `n = norm(norm_type, nc) if norm_type else None`
    guarded = [node for node in ast_walk(fn) if isinstance(node, (ast.If, ast.IfExp)) and isinstance(node.test, ast.Name) and node.test.id in flags]
    if not guarded:
        return set()

    def unset(value: ast.AST) -> bool:
        return isinstance(value, ast.Constant) and value.value in (False, None, 0)

    for call in calls:
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            return set()
        passed = dict(zip(positional, call.args))
        passed.update({k.arg: k.value for k in call.keywords if k.arg})
        # A flag some call sets is live; the others (`dilation=True` passed, `batch_norm` never) stay unset.
        flags -= {flag for flag in flags if flag in passed and not unset(passed[flag])}
    return {
        id(n)
        for node in guarded
        if node.test.id in flags  # type: ignore[attr-defined]
        for part in (node.body if isinstance(node, ast.If) else [node.body])  # type: ignore[attr-defined]
        for n in ast_walk(part)
    }


def clears_running_stats(tree: ast.AST) -> bool:
    """Does ``tree`` (a module or a function) turn BatchNorm's running statistics off:
    `m.track_running_stats = False`, `m.running_mean = None` (or `running_var`)?"""
    for node in ast_walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value in (False, None):
            for t in node.targets:
                if isinstance(t, ast.Attribute) and t.attr in ("track_running_stats", "running_mean", "running_var"):
                    if t.attr == "track_running_stats" and node.value.value is not False:
                        continue
                    return True
    return False


def _parts_of_attribute(value: ast.AST) -> Optional[str]:
    """`list(self.base.children())`, `self.base.modules()`, `list(self.base.children())[:-2]` ->
    "base": a value made of the parts of another `self` attribute (its sub-modules)."""
    for _ in range(6):
        if isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Slice):
            value = value.value
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ("list", "tuple") and len(value.args) == 1:
            value = value.args[0]
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in ("children", "modules") and not value.args:
            value = value.func.value
        else:
            break
    if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and value.value.id == "self":
        return value.attr
    return None


def selector_builds_no_bn(fn: ast.AST, call: ast.Call, defaults: "Dict[str, object]", is_bn: Callable[[str], bool]) -> bool:
    """Does ``call`` of ``fn``, a norm selector (`def select_norm(norm, dim): if norm == "gln":
    return GlobalLayerNorm(dim) ... else: return nn.BatchNorm1d(dim)`), take a branch that returns
    no BatchNorm?  Its arguments are literals, or names of the caller's parameters whose literal
    defaults ``defaults`` holds (`select_norm(norm, dim)` in an `__init__` with `norm="ln"`); the
    branches are `if` tests on them.  False when anything is not decided (BN evidence as before)."""
    from bnlint.effects import static_truth

    args = fn.args  # type: ignore[attr-defined]
    params = [a.arg for a in list(args.posonlyargs) + list(args.args)]
    literals: Dict[str, object] = {}
    for name, value in list(zip(params, call.args)) + [(k.arg, k.value) for k in call.keywords if k.arg]:
        if isinstance(value, ast.Constant):
            literals[name] = value.value
        elif isinstance(value, ast.Name) and value.id in defaults:
            literals[name] = defaults[value.id]
    if not literals:
        return False

    undecided = ast.Pass()  # the path cannot be followed: a test on something else, an assignment, a loop

    def returned(body: List[ast.stmt]) -> Optional[ast.AST]:
        """The expression the path through ``body`` returns, None when it falls through."""
        for stmt in body:
            if isinstance(stmt, ast.Return):
                return stmt.value if stmt.value is not None else ast.Constant(None)
            if isinstance(stmt, ast.If):
                truth = static_truth(stmt.test, literals)
                if truth is None:
                    return undecided
                found = returned(stmt.body if truth else stmt.orelse)
                if found is not None:
                    return found
                continue
            if not isinstance(stmt, (ast.Expr, ast.Pass, ast.Assert)):
                return undecided  # not a plain selector
        return None

    value = returned(list(fn.body))  # type: ignore[attr-defined]
    if value is None or value is undecided:
        return False
    return not any(isinstance(n, (ast.Name, ast.Attribute)) and is_bn(dotted_name(n) or "") for n in ast_walk(value))


def _unpacks_nothing(call: ast.Call) -> bool:
    """No `*args` / `**kwargs` in ``call``: every argument it passes is seen."""
    return not any(isinstance(a, ast.Starred) for a in call.args) and all(k.arg is not None for k in call.keywords)


def _literal_arguments(call: ast.Call) -> bool:
    """Does ``call`` pass an argument a constructor's `if` could test (`norm=None`, `"batch"`,
    `False`, `0`), and nothing unpacked?  (Only such calls are worth reading the class for.)"""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return False
    return any(isinstance(v, ast.Constant) and (v.value is None or isinstance(v.value, (bool, int, str))) for v in list(call.args) + [k.value for k in call.keywords])


def _bn_under_init_tests(init: ast.FunctionDef, resolve: Callable[[str], str]) -> bool:
    """Does `__init__` build a BatchNorm layer under an `if` (the only place a call can switch
    it off)?  Asked once per class, when its module is summarised (``switchable_bn``)."""
    return any(
        isinstance(node, ast.Call) and is_bn_class(resolve(dotted_name(node.func) or ""))
        for stmt in ast_walk(init)
        if isinstance(stmt, ast.If)
        for part in stmt.body + stmt.orelse
        for node in ast_walk(part)
    )


def class_switched_off(cls: ast.ClassDef, resolve: Callable[[str], str], call: ast.Call) -> bool:
    """Does ``call`` build ``cls`` (a class of ``switchable_bn``, its module's names read with
    ``resolve``) without the BatchNorm its `__init__` builds only under tests of parameters, decided
    by the call's literals and the defaults it leaves in place?  The answer for each set of
    literals is kept on the `__init__` node (a block is built many times with the same ones)."""
    from bnlint.summaries import _UNKNOWN_ARGUMENT, construction_literals, layers_switched_off

    init = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
    if init is None:
        return False

    def literal(node: ast.AST) -> object:
        return node.value if isinstance(node, ast.Constant) else _UNKNOWN_ARGUMENT

    literals = construction_literals(init, [literal(a) for a in call.args], {k.arg: literal(k.value) for k in call.keywords if k.arg})
    memo = init.__dict__.setdefault("_bnlint_switched_off", {})
    key = tuple(sorted(((k, type(v).__name__, repr(v)) for k, v in literals.items())))
    if key not in memo:
        memo[key] = layers_switched_off(cls, lambda n: is_bn_class(resolve(n)), literals)
    return memo[key]


def _dead_store_nodes(fn: ast.AST) -> Set[int]:
    """The ids of the nodes of the values ``fn`` binds to local names that nothing in it reads
    (`norm = pick_norm(cfg["norm"])` before `return Net(8)`): those values reach nothing."""
    read = {n.id for n in ast_walk(fn) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Store)}
    read.update(name for n in ast_walk(fn) if isinstance(n, (ast.Global, ast.Nonlocal)) for name in n.names)  # (stored for others)
    if any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in ("locals", "vars", "eval", "exec") for n in ast_walk(fn)):
        return set()  # the names may be read by name
    dead: Set[int] = set()
    for stmt in ast_walk(fn):
        if isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) and t.id not in read for t in stmt.targets):
            dead.update(id(n) for n in ast_walk(stmt.value))
    return dead


def _classify_reasons(inv: ModuleInventory, name: str, bases: List[str], names: Iterable[str], calls_bn_function: bool, kind: str = "bn") -> _Reasons:
    """Sort what ``name`` uses into: BN itself, local names to ask about, project names to look up.
    ``kind`` "dropout": the same for dropout layers (``calls_bn_function``: a mode-following
    functional dropout)."""
    if kind == "dropout":
        return _classify_dropout_reasons(inv, name, bases, names, calls_bn_function)
    direct = calls_bn_function
    local: Dict[str, None] = {}
    imported: Dict[str, None] = {}
    for b in bases:
        if b in inv.classes or b in inv.functions:
            local[b] = None
        elif (
            b.split(".")[-1] not in ("Module", "Sequential", "ModuleList", "ModuleDict", "object")
            and not b.startswith("torch.")
            and b.split(".")[0] not in THIRD_PARTY_ROOTS
        ):
            imported[b] = None
    for dotted in names:
        if direct:
            break
        if dotted in inv.bn_layer_classes:
            direct = dotted != name
            continue
        if dotted in inv.classes or dotted in inv.functions:
            if dotted != name:
                local[dotted] = None
            continue
        local_head = dotted.split(".")[0]
        if local_head in inv.classes or local_head in inv.functions:
            continue
        q = inv.resolve(dotted)
        if is_bn_class(q):
            direct = True
            continue
        if is_frozen_bn_class(q):
            continue
        fact = factory_holds_bn(q)
        if fact is not None:
            direct = direct or fact
            continue
        if inv.is_imported(dotted) and q.lstrip(".").split(".")[0] not in THIRD_PARTY_ROOTS:
            imported[q] = None
    if direct:
        return _Reasons(True, (), ())
    return _Reasons(False, tuple(local), tuple(imported))


def _classify_dropout_reasons(inv: ModuleInventory, name: str, bases: List[str], names: Iterable[str], direct: bool) -> _Reasons:
    local: Dict[str, None] = {}
    imported: Dict[str, None] = {}
    for b in bases:
        if b in inv.classes or b in inv.functions:
            local[b] = None
        elif is_dropout_class(b):
            direct = True
        elif not b.startswith("torch.") and b.split(".")[0] not in THIRD_PARTY_ROOTS:
            imported[b] = None
    for dotted in names:
        if direct:
            break
        if dotted in inv.classes or dotted in inv.functions:
            if dotted != name:
                local[dotted] = None
            continue
        if dotted.split(".")[0] in inv.classes or dotted.split(".")[0] in inv.functions:
            continue
        q = inv.resolve(dotted)
        if is_dropout_class(q) or factory_holds_dropout(q):
            direct = True
        elif inv.is_imported(dotted) and q.lstrip(".").split(".")[0] not in THIRD_PARTY_ROOTS:
            imported[q] = None
    return _Reasons(True, (), ()) if direct else _Reasons(False, tuple(local), tuple(imported))


def _holds_dropout_locally(inv: ModuleInventory, name: str, hops: int, lookup: ExternalLookup) -> bool:
    """``holds_dropout`` of a module's name: its reasons, its local parts (memoised by
    ``ModuleInventory.holds_dropout``, which also cuts cycles), its imports."""
    reasons = inv.dropout_reasons.get(name)
    if reasons is None or name in inv.ambiguous_dropout:
        return False
    return reasons.direct or any(inv.holds_dropout(n, hops) for n in reasons.local) or any(lookup(q) for q in reasons.imported)


def _holds_for_reasons(inv: ModuleInventory, name: str, reasons: _Reasons, local_holds: Callable[[str], bool], lookup: ExternalLookup) -> bool:
    """Does ``name`` hold BN, given an answer for the module's other local names and for imports?"""
    return reasons.direct or any(local_holds(n) for n in reasons.local) or any(lookup(q) for q in reasons.imported)


def summarise(
    tree: ast.Module,
    path: Optional[str],
    external_holds_bn: Optional[ExternalLookup] = None,
    star_names: Optional[Callable[[str], Iterable[Tuple[str, Optional[str]]]]] = None,
    builds_no_bn: Optional[Callable[[str, ast.Call], bool]] = None,
) -> ModuleInventory:
    """The linted module's inventory, with every local class and function decided up front."""
    inv, reasons = _local_summary(tree, path, star_names, builds_no_bn)
    lookup = external_holds_bn or (lambda q: False)
    local_holds = inv.bn_holding.__contains__
    changed = True
    while changed:  # a fixpoint: a class holds BN when one of its parts does
        changed = False
        for name, r in reasons.items():
            if name not in inv.bn_holding and name not in inv.ambiguous and _holds_for_reasons(inv, name, r, local_holds, lookup):
                inv.bn_holding.add(name)
                changed = True
    return inv


class LazyModuleInventory(ModuleInventory):
    """An imported project module: whether a name holds BN is worked out for that name only.

    Summarising every class of every imported module (and of what those import) costs seconds
    in large, densely cross-importing code bases; a linted file needs the answer for the few
    names it uses.  Answers are memoised with the project paths they rest on (for the cache).
    """

    def __init__(self, base: ModuleInventory, reasons: Dict[str, _Reasons], index: "ProjectIndex") -> None:
        self.__dict__.update(base.__dict__)
        self._reasons = reasons
        self._index = index
        self._memo: Dict[Tuple[str, int], Tuple[bool, frozenset]] = {}
        self._active: Set[Tuple[str, int]] = set()

    def holds(self, name: str, hops: int = 0) -> bool:
        """Does ``name`` hold BN, looking at most ``hops`` further modules away for the answer?"""
        return name in self.bn_layer_classes or self._local_holds(name, hops)

    def _local_holds(self, name: str, hops: int) -> bool:
        reasons = self._reasons.get(name)
        if reasons is None:
            return False
        index = self._index
        key = (name, hops)
        memo = self._memo.get(key) or index._provisional.get((self.path, key))
        if memo is not None:
            index.consulted |= memo[1]
            return memo[0]
        if key in self._active:
            index._cycle = True  # "no" for now: negatives that depend on it are not memoised
            return False
        self._active.add(key)
        try:
            result, deps, final = index._answer(
                lambda: _holds_for_reasons(self, name, reasons, lambda n: self._local_holds(n, hops), index._external_lookup(self.path, hops - 1))
            )
        finally:
            self._active.discard(key)
        if final:
            self._memo[key] = (result, deps)
        else:
            index._provisional[(self.path, key)] = (result, deps)
        return result


def _may_set_eval(call: ast.Call) -> bool:
    """`.eval()`, `.train(False)`, or `.train(False if isinstance(m, nn.BatchNorm2d) else mode)`."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr == "eval":
        return True
    arg = call.args[0] if func.attr == "train" and call.args else None
    if isinstance(arg, ast.IfExp):
        return any(isinstance(b, ast.Constant) and b.value is False for b in (arg.body, arg.orelse))
    return isinstance(arg, ast.Constant) and arg.value is False


def _evals_direct_children_only(fn: ast.AST) -> bool:
    """Does every switch to eval in a `train()` override run in a loop over `self.children()` /
    `self.named_children()` (the module's direct children only), with no helper or `.apply()`?"""
    loops = [
        n for n in ast_walk(fn)
        if isinstance(n, ast.For) and isinstance(n.iter, ast.Call) and isinstance(n.iter.func, ast.Attribute)
        and n.iter.func.attr in ("children", "named_children") and dotted_name(n.iter.func.value) == "self"
    ]
    if not loops:
        return False
    inside = {id(c) for loop in loops for c in ast_walk(loop)}
    for node in ast_walk(fn):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        attr = node.func.attr
        if attr == "apply" or (_may_set_eval(node) and id(node) not in inside):
            return False
        if isinstance(node.func.value, ast.Name) and node.func.value.id == "self" and attr not in ("children", "named_children", "train", "eval"):
            return False  # a helper method of its own: not followed here
    return True


def _children_are_leaf_layers(init: Optional[ast.AST], inv: "ModuleInventory") -> bool:
    """Is every submodule the constructor builds (`self.x = nn.Conv2d(...)`) a single layer of
    `torch.nn` (no container, no class of its own or of a model library, no re-exposed part)?"""
    if init is None:
        return False
    for node in ast_walk(init):
        if not (isinstance(node, ast.Assign) and any(isinstance(t, ast.Attribute) and dotted_name(t.value) == "self" for t in node.targets)):
            continue
        value = node.value
        if isinstance(value, ast.Attribute) and (dotted_name(value) or "").startswith("self."):
            return False  # `self.stage1 = self.trunk.stage1`: a part of a deeper child
        if not isinstance(value, ast.Call):
            continue
        called = inv.resolve(dotted_name(value.func) or "")
        if not called.startswith("torch.nn.") or called.rsplit(".", 1)[-1] in ("Sequential", "ModuleList", "ModuleDict"):
            return False
    return True


def _self_part(node: ast.AST) -> Optional[str]:
    """`self.<attr>` -> attr."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return node.attr
    return None


def _parts_switched_by_override(fn: ast.AST) -> Optional[Set[str]]:
    """The `self` attributes a `train()` override switches itself (`self.top.train(mode)`, `for
    part in [self.top, self.head]: part.train(mode)`, also through their children, `for child in
    part.children(): child.train(mode)`), when that is all it switches: None when it calls the
    base's `train` (`super().train(mode)`), walks `self.children()` or `self.modules()`, applies a
    function to `self`, or calls `.train`/`.eval` on anything else."""
    looped: Dict[str, Set[str]] = {}  # loop variable -> the parts of `self` it runs over
    for node in ast_nodes(fn):
        if not (isinstance(node, ast.For) and isinstance(node.target, ast.Name)):
            continue
        it = node.iter
        if isinstance(it, (ast.List, ast.Tuple)):
            parts = [_self_part(e) for e in it.elts]
            if all(parts):
                looped[node.target.id] = set(parts)  # type: ignore[arg-type]
        elif isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and it.func.attr in ("children", "modules"):
            owner = it.func.value
            parts = {_self_part(owner)} if _self_part(owner) else looped.get(owner.id) if isinstance(owner, ast.Name) else None  # type: ignore[assignment]
            if parts:
                looped[node.target.id] = set(parts)
    switched: Set[str] = set()
    for node in ast_nodes(fn):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        receiver = node.func.value
        if node.func.attr in ("children", "modules", "named_children", "named_modules", "apply"):
            if isinstance(receiver, ast.Name) and receiver.id == "self":
                return None
            continue
        if node.func.attr not in ("train", "eval", "requires_grad_"):
            continue
        part = _self_part(receiver)
        if part is not None:
            switched.add(part)
        elif isinstance(receiver, ast.Name) and receiver.id in looped:
            switched.update(looped[receiver.id])
        else:
            return None  # `super().train(mode)`, `nn.Module.train(self, mode)`, a helper's module
    for node in ast_nodes(fn):
        if isinstance(node, ast.Call) and any(isinstance(a, ast.Name) and a.id == "self" for a in node.args):
            return None  # `nn.Module.train(self, mode)`, `set_mode(self, mode)`
    return switched


def _leaves_constructor_freeze(override: ast.AST, init: Optional[ast.AST]) -> bool:
    """Does the `train()` override switch only parts other than those the constructor put in
    eval (`self.stem.eval()` in `__init__`)?"""
    switched = _parts_switched_by_override(override)
    if switched is None or init is None:
        return False
    frozen = {
        part for node in ast_nodes(init)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and (
            node.func.attr == "eval" or (node.func.attr == "train" and [getattr(a, "value", None) for a in node.args[:1]] == [False])
        ) and (part := _self_part(node.func.value)) is not None
    }
    return bool(frozen) and not frozen & switched


def _train_override_evals_bn(fn: ast.AST, functions: Dict[str, ast.AST], methods: Dict[str, ast.AST], _seen: Optional[Set[int]] = None) -> bool:
    """A ``train()`` override that puts something (the BN layers) back into eval mode.

    Directly (``m.eval()``, ``.train(False)``, ``self.apply(fn)``) or through a helper it calls:
    a module-level function (``freeze_bn(self)``) or another method (``self._freeze_bn()``).
    """
    seen = _seen if _seen is not None else set()
    if id(fn) in seen:
        return False
    seen.add(id(fn))
    for node in ast_nodes(fn):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr == "eval" or func.attr == "apply":
                return True
            if _may_set_eval(node):
                return True
            if isinstance(func.value, ast.Name) and func.value.id == "self" and func.attr in methods and func.attr != "train":
                if _train_override_evals_bn(methods[func.attr], functions, methods, seen):
                    return True
        elif isinstance(func, ast.Name) and func.id in functions:
            if _train_override_evals_bn(functions[func.id], functions, methods, seen):
                return True
    return False


# --- The project index --------------------------------------------------------

_MAX_INDEX_BYTES = 2_000_000
# How far from the linted file the index looks for BatchNorm, in imports: train.py ->
# models/__init__.py (a re-export) -> models/resnet.py -> models/blocks.py is three hops.
# Training code finds its BN within a few modules; framework internals, where every module
# reaches every other, would otherwise be summarised almost entirely for each linted file.
MAX_IMPORT_HOPS = 3


_COPIES = frozenset({"deepcopy", "copy.deepcopy", "copy.copy"})


def _kept_arguments(init: ast.AST) -> Set[str]:
    """The parameters of the constructor ``init`` that it keeps, or something reached from them,
    in an attribute, a container or another object (`self.model = model`, `self.head =
    model.fc`, `self.nets.append(DataParallel(model))`); a `deepcopy(model)` keeps a copy.
    `*args`/`**kwargs` are kept whole."""
    args = init.args  # type: ignore[attr-defined]
    params = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs} - {"self"}
    kept = {a.arg for a in (args.vararg, args.kwarg) if a is not None}

    def reached(value: ast.AST) -> Set[str]:
        if isinstance(value, ast.Call) and dotted_name(value.func) in _COPIES:
            return set()
        if isinstance(value, ast.Name):
            return {value.id} & params
        return set().union(*(reached(child) for child in ast.iter_child_nodes(value)))

    for node in ast_walk(init):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(not isinstance(t, ast.Name) for t in targets):
                kept |= reached(node.value)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _KEEPING_METHODS:
            kept |= set().union(*(reached(a) for a in list(node.args) + [k.value for k in node.keywords]))
        elif isinstance(node, ast.Call) and dotted_name(node.func) == "setattr":
            kept |= set().union(*(reached(a) for a in node.args[2:]))
    return kept


_KEEPING_METHODS = frozenset({"append", "extend", "insert", "add_module", "register_module", "update", "setdefault"})


def _literal_path(expr: ast.AST) -> Optional[str]:
    """The path, relative to the importing module's folder, of a `sys.path` entry written as a
    literal (`'core'`, `'../lib'`), or joined onto that folder (`os.path.join(os.path.dirname(
    __file__), 'core')`, also through `os.path.abspath`/`realpath`).  None for anything else."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, ast.Call) and dotted_name(expr.func) in ("os.path.abspath", "os.path.realpath", "os.path.normpath") and len(expr.args) == 1:
        return _literal_path(expr.args[0])
    if isinstance(expr, ast.Call) and dotted_name(expr.func) == "os.path.join" and expr.args:
        head, rest = expr.args[0], expr.args[1:]
        parts = [a.value for a in rest if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if len(parts) != len(rest):
            return None
        if _is_module_folder(head):
            return os.path.join(".", *parts)
        first = _literal_path(head)
        return os.path.join(first, *parts) if first is not None else None
    if _is_module_folder(expr):
        return "."
    return None


def _is_module_folder(expr: ast.AST) -> bool:
    """`os.path.dirname(__file__)`, also of `os.path.abspath(__file__)` / `realpath`."""
    if not (isinstance(expr, ast.Call) and dotted_name(expr.func) == "os.path.dirname" and len(expr.args) == 1):
        return False
    inner = expr.args[0]
    while isinstance(inner, ast.Call) and dotted_name(inner.func) in ("os.path.abspath", "os.path.realpath") and len(inner.args) == 1:
        inner = inner.args[0]
    return isinstance(inner, ast.Name) and inner.id == "__file__"


def _reexports_only(text: str) -> bool:
    """A package `__init__.py` that defines nothing at its top level (no `def`/`class`): it only
    re-exports its modules (`from .nets import *`, `from .resnet import ResNet`).  Passing through
    it adds no depth to a model, so it costs no import hop; an `__init__.py` with code of its own
    (torch's, which imports hundreds of modules) is a module like any other."""
    return re.search(r"^(?:async\s+def|def|class)\s", text, re.M) is None


# Dropout is looked for as far as BatchNorm: a model class of the training script (one hop to its
# own module's classes) built from a network module that builds its blocks from a third
# (tabular-dl-tabr's `Model` -> `lib.network` -> `lib.blocks`).  (It was 2: nearly every module of a
# framework names dropout, so its text shortcut prunes little; bench/ measures the cost.)
DROPOUT_IMPORT_HOPS = MAX_IMPORT_HOPS


_ATTRIBUTE_CHAIN = lazy(r"(?:\s*\.\s*[A-Za-z_]\w*)*")
_WHITESPACE = lazy(r"\s+")


def _dotted_uses(source: str, names: Iterable[str]) -> Set[Tuple[str, str]]:
    """Each distinct (name, `.attr.chain`) where one of ``names`` is used as a whole word, not
    as an attribute (`x.name`), in ``source``; strings and comments count too.

    ``str.find`` per name rather than one alternation regex over the file: Python's ``re``
    tries every alternative at every position, which cost more than all the questions asked.
    """
    found: Set[Tuple[str, str]] = set()
    end = len(source)
    for name in names:
        size = len(name)
        i = source.find(name)
        while i >= 0:
            j = i + size
            before = source[i - 1] if i else " "
            if not (before.isalnum() or before == "_" or before == ".") and (j >= end or not (source[j].isalnum() or source[j] == "_")):
                chain = _ATTRIBUTE_CHAIN.match(source, j).group()  # type: ignore[union-attr]
                found.add((name, _WHITESPACE.sub("", chain) if chain else chain))
            i = source.find(name, j)
    return found


class ProjectIndex:
    """Lazily summarises project modules that a linted file imports from, name by name."""

    def __init__(self, root: Optional[str] = None) -> None:
        # Absolute imports are looked for in the importing file's folder and its ancestors, up
        # to the project root when there is one (beyond it: at most six levels).
        self.root = os.path.abspath(root) if root else None
        self._by_path: Dict[str, Optional[ModuleInventory]] = {}
        # holds_bn answers with the project paths each rests on; the questions being answered.
        self._answers: Dict[Tuple[str, str, int], Tuple[bool, frozenset]] = {}
        self._asking: Set[Tuple[str, str, int]] = set()
        self._cycle = False
        self._depth = 0
        # "No" answers that met a cycle, valid until the outermost question is answered.
        self._provisional: Dict[tuple, Tuple[bool, frozenset]] = {}
        # For the cache: every project path whose content (or absence) an answer
        # depended on, since the last ``take_consulted()``.  Memoised answers keep the
        # paths they rest on, so a later file that reuses one records those paths too.
        self.consulted: Set[str] = set()
        # The text-level import graph (see ``text_reaches_bn``): per module file, whether its
        # text has BN evidence, the project files it imports, and the absent files probed.
        self._text_nodes: Dict[str, Optional[Tuple[bool, Tuple[str, ...], Tuple[str, ...]]]] = {}
        self._bases: Dict[str, List[str]] = {}
        self._sys_path_dirs: Dict[str, List[str]] = {}  # file -> folders its `sys.path.append(...)` adds
        self._text_resolved: Dict[Tuple[str, int, Tuple[str, ...], Tuple[str, ...]], Tuple[Tuple[str, ...], Tuple[str, ...]]] = {}
        self._mentions: Dict[Tuple[str, str], bool] = {}  # (path, word) -> does the file's text hold it
        # (module, depth) -> is BN evidence that close, and what that answer rests on.
        self._text_reach: Dict[Tuple[str, int], Tuple[bool, frozenset]] = {}
        # Equal dependency sets are stored once: thousands of answers rest on the same few
        # hundred paths (unshared, they took 250 MB on torch's own sources).
        self._dep_sets: Dict[frozenset, frozenset] = {}
        self._files: Dict[str, bool] = {}
        self._reexporting: Dict[str, bool] = {}  # ``_reexporting_package``: per `__init__.py`
        self._loader_definitions: Dict[Tuple[str, str], Optional[bool]] = {}  # ``_definition_loads_weights``
        # ``bnlint.effects`` summaries of project functions, by (module path, name); None while
        # one is being computed (a recursive call: unknown) or when there is none.
        self._effects: Dict[Tuple[str, str], Any] = {}
        self._effect_modules: Dict[str, Optional[Tuple[Dict[str, ast.AST], Dict[str, str], Dict[str, ast.ClassDef]]]] = {}
        self._trees: Dict[str, Optional[ast.Module]] = {}  # ``module_tree``
        self._module_level_models: Dict[Tuple[str, str], Optional[ModuleLevelModel]] = {}  # ``module_level_model``
        self._hands_back: Dict[str, bool] = {}  # ``_may_hand_back_modes``
        self._base_self_calls: Dict[Tuple[str, Tuple[str, ...]], Dict[str, Tuple[Tuple[str, ...], bool]]] = {}  # ``base_self_calls``
        self._callers: Any = None  # ``bnlint.callers.CallerIndex``, made on first use

    def _caller_index(self) -> Any:
        """The ``bnlint.callers.CallerIndex`` over this index, made on first use."""
        if self._callers is None:
            from bnlint.callers import CallerIndex

            self._callers = CallerIndex(self)
        return self._callers

    def argument_evidence(self, path: str, name: str, position: int, keyword: str) -> Any:
        """A call site in another project module that hands the top-level function (or class)
        ``name`` of ``path`` a model with BatchNorm (else dropout) for the parameter at
        ``position`` / ``keyword``: a ``bnlint.callers.CallerEvidence``, or None."""
        return self._caller_index().argument_evidence(path, name, position, keyword)

    def passes_plain_model(self, path: str, name: str, position: int, keyword: str) -> bool:
        """A call site in another project module that hands the top-level function (or class)
        ``name`` of ``path`` a model known to hold neither BatchNorm nor dropout for the parameter
        at ``position`` / ``keyword`` (``bnlint.callers.CallerIndex.passes_plain_model``)."""
        return self._caller_index().passes_plain_model(path, name, position, keyword)

    def mode_switched_by_importers(self, path: str, attribute: str, class_name: str) -> bool:
        """``CallerIndex.mode_switched_by_importers``: a file importing ``class_name`` from
        ``path``'s module switches something named ``attribute``."""
        return self._caller_index().mode_switched_by_importers(path, attribute, class_name)

    def class_built_by_importers(self, path: str, class_name: str) -> bool:
        """``CallerIndex.class_built_by_importers``: a file importing ``class_name`` from ``path``'s
        module builds an instance of it."""
        return self._caller_index().class_built_by_importers(path, class_name)

    def pickled_module_kinds(self, path: str) -> Tuple[bool, bool]:
        """``CallerIndex.pickled_module_kinds``: (BatchNorm, dropout) of the whole modules the
        other files of the project pickle with `torch.save(model, ...)`."""
        return self._caller_index().pickled_module_kinds(path)

    def pickled_in_train_mode(self, path: str) -> bool:
        """``CallerIndex.pickled_in_train_mode``: were those modules pickled in train mode?"""
        return self._caller_index().pickled_in_train_mode(path)

    def mode_switched_elsewhere(self, path: str, attribute: str, mentioning: Optional[str] = None) -> bool:
        """Does another Python file of ``path``'s project call `.eval()` or `.train(...)` on
        something named ``attribute`` (`model.encoder.resnet.eval()` in the training script)?
        ``mentioning``: only a file whose text also names this (the class that owns the part)."""
        return self._caller_index().mode_switched_elsewhere(path, attribute, mentioning)

    def _is_file(self, path: str) -> bool:
        """``os.path.isfile``, asked once per path for the index's lifetime (the LSP server
        drops its index when files change on disk)."""
        known = self._files.get(path)
        if known is None:
            known = self._files[path] = os.path.isfile(path)
        return known

    def _frozen(self, paths: Iterable[str]) -> frozenset:
        deps = frozenset(paths)
        return self._dep_sets.setdefault(deps, deps)

    # How many module summaries (with their `ast` trees) the index holds before it starts afresh
    # at the next file: a run over many projects would otherwise keep every module it ever read
    # (403 MB over 258 repositories).  Everything it holds is a cache that can be worked out
    # again, in any order (``holds_bn``), so a fresh start changes no answer, only costs time.
    MODULE_BUDGET = 600

    def over_budget(self) -> bool:
        return len(self._by_path) + len(self._effect_modules) > self.MODULE_BUDGET

    def forget(self) -> None:
        """Drop every summary and answer held (between two files: not while one is linted)."""
        self.__init__(root=self.root)  # type: ignore[misc]

    def take_consulted(self) -> Set[str]:
        """The paths consulted since the last call (existing or probed-and-absent), and reset."""
        out, self.consulted = self.consulted, set()
        return out

    def _note(self, path: str) -> None:
        self.consulted.add(path)

    # --- the prefilter's project-wide evidence: a text-level import graph ------------
    def text_reaches_dropout(self, path: Optional[str], source: str) -> bool:
        """``text_reaches_bn`` for dropout evidence."""
        return self.text_reaches_bn(path, source, kind="dropout")

    def text_reaches_bn(self, path: Optional[str], source: str, kind: str = "bn") -> bool:
        """Could a project module this file imports hold BatchNorm, as far as ``holds_bn`` looks?

        A necessary condition for ``holds_bn`` answering yes for any name of this file: that
        answer comes from the text of a project module at most ``MAX_IMPORT_HOPS`` imports
        away, which must then contain a BN evidence token.  It reads files but parses nothing,
        so the prefilter can skip a file that merely imports project modules without BN.
        """
        if path is None:
            return False
        start = os.path.abspath(path)
        edges, probed = self._text_imports(start, source)
        self.consulted.update(probed)
        hops = MAX_IMPORT_HOPS if kind == "bn" else DROPOUT_IMPORT_HOPS
        if any(self._text_evidence_within(edge, hops - 1, kind) for edge in edges):
            return True
        # `import lib` ... `lib.models.axialnet.MedT(...)`: the modules an attribute chain of an
        # imported package names (``holds_bn`` looks there directly, not through `lib/__init__`).
        bindings = import_bindings(source)
        if not bindings:
            return False
        folder = os.path.dirname(start)
        packages = {name: targets for name, targets in bindings.items() if any(not t.startswith(".") and t.split(".")[0] not in THIRD_PARTY_ROOTS for t in targets)}
        for name, chain in sorted(_dotted_uses(source, packages)):
            attrs = tuple(a for a in chain.split(".") if a)
            if not attrs:
                continue
            for target in packages[name]:
                if target.startswith(".") or target.split(".")[0] in THIRD_PARTY_ROOTS:
                    continue
                found, absent = self._resolve_text_import(folder, 0, tuple(target.split(".")) + attrs)
                self.consulted.update(absent)
                if any(self._text_evidence_within(edge, hops - 1, kind) for edge in found):
                    return True
        return False

    def builds_imported_frozen_model(self, path: str, source: str) -> bool:
        """Does this file call (`Name(` in its text) a class or function it imports from the
        project whose construction freezes BatchNorm parameters (``Construction.freezes_bn_params``,
        or under a flag of its own, ``params_freeze_flag``)?  Read from the text's imports and
        the imported modules' summaries."""
        bindings = import_bindings(source)
        if not bindings:
            return False
        for name, bound in bindings.items():
            # `make_frozen(` of `from zoo import make_frozen`, or `zoo.make_frozen(` of `import zoo`.
            called = re.search(r"(?<![\w.])" + re.escape(name) + r"\s*\(", source) is not None
            attributes = set(re.findall(r"(?<![\w.])" + re.escape(name) + r"\.(\w+)\s*\(", source))
            if not called and not attributes:
                continue
            targets = (set(bound) if called else set()) | {f"{t}.{attr}" for t in bound for attr in attributes}
            for target in sorted(targets):
                if target.lstrip(".").split(".")[0] in THIRD_PARTY_ROOTS:
                    continue
                # (Cheap first: a freeze needs `requires_grad` in the text of the module it names.)
                level = len(target) - len(target.lstrip("."))
                files, absent = self._resolve_text_import(os.path.dirname(os.path.abspath(path)), level, tuple(target.lstrip(".").split(".")))
                self.consulted.update(files)  # (a cached answer rests on their text, and on their absence)
                self.consulted.update(absent)
                if not any(self._text_mentions(f, "requires_grad") for f in files):
                    continue
                found = self.definition(path, target, 0)
                other = self.inventory_for_path(found[0]) if found is not None else None
                built = other.constructions.get(found[1]) if other is not None and found is not None else None
                if built is not None and (built.freezes_bn_params or built.params_freeze_flag):
                    return True
        return False

    def _text_mentions(self, path: str, word: str) -> bool:
        key = (path, word)
        known = self._mentions.get(key)
        if known is None:
            try:
                with open(path, "rb") as fh:
                    known = word.encode() in fh.read()
            except OSError:
                known = False
            self._mentions[key] = known
        return known

    def imported_names_hold_dropout(self, path: Optional[str], source: str) -> bool:
        """``imported_names_hold_bn`` for dropout layers (``holds_dropout``)."""
        return self.imported_names_hold_bn(path, source, kind="dropout")

    def imported_names_hold_bn(self, path: Optional[str], source: str, kind: str = "bn") -> bool:
        """Does a name this file imports from the project hold BN (``holds_bn``), for any way
        the text uses it (`models`, `models.Net`, `models.Net.build` are all asked)?

        The same questions the ``ast`` step asks for every imported name of the module, asked
        from the text: superset of those names (a use in a string counts too), so a file for
        which this says no has no BN evidence through its imports, and is not parsed.
        """
        if path is None:
            return False
        bindings = import_bindings(source)
        if bindings is None:
            return True  # `from x import *`: names unknown
        bindings = {name: targets for name, targets in bindings.items() if any(t.lstrip(".").split(".")[0] not in THIRD_PARTY_ROOTS for t in targets)}
        if not bindings:
            return False
        questions: Set[str] = set()
        tables: Set[str] = set()  # `models.available_models[args.model]()`: a dict of factories
        for name, chain in _dotted_uses(source, bindings):
            if kind == "dropout" and not re.search(re.escape(name + chain) + r"\s*\(", source):
                continue  # dropout evidence is asked of what the file calls (builds), not of every name
            attrs = chain.split(".")[1:]
            indexed = kind == "bn" and bool(attrs) and re.search(re.escape(name + chain) + r"\s*\[", source) is not None
            for target in bindings[name]:
                if target.lstrip(".").split(".")[0] in THIRD_PARTY_ROOTS:
                    continue
                for i in range(len(attrs) + 1):
                    questions.add(".".join([target, *attrs[:i]]) if i else target)
                if indexed:
                    tables.add(".".join([target, *attrs]))
        holds = self.holds_dropout if kind == "dropout" else self.holds_bn
        if any(holds(path, q) for q in sorted(questions) if not q.endswith(".__dict__")):
            return True
        # A model object a project module builds at its top level (`from model_def import CatNet`).
        if any((found := self.module_level_model(path, q)) is not None and (found.any_dropout if kind == "dropout" else found.any_bn) for q in sorted(questions)):
            return True
        if any(self.table_holds_bn(path, t) for t in sorted(tables)):
            return True
        if kind == "dropout":
            return False
        # A model picked by name from a project module (`models.__dict__[arch](...)`,
        # `getattr(models, arch)(...)`): only the modules the text indexes so, with some model
        # that holds BN (which one an option picks by default is read on the tree).
        picked = {m.group(1) or m.group(2) for m in _NAMESPACE_PICK.finditer(source)} & set(bindings)
        return any(self.namespace_may_hold_bn(path, target) for name in sorted(picked) for target in bindings[name])

    def _text_node(self, path: str) -> Optional[Tuple[bool, Tuple[str, ...], Tuple[str, ...], bool]]:
        node = self._text_nodes.get(path)
        if node is None and path not in self._text_nodes:
            try:
                with open(path, "rb") as fh:
                    text = fh.read().decode("latin-1")
            except OSError:
                self._text_nodes[path] = None
                return None
            if "\r" in text:  # the text patterns read `\n`-terminated lines (see prefilter.text_candidates)
                text = text.replace("\r\n", "\n").replace("\r", "\n")
            node = self._text_scan(path, text)
            self._text_nodes[path] = node
        return node

    def _text_evidence_within(self, path: str, depth: int, kind: str = "bn") -> bool:
        """Has ``path`` or a project module at most ``depth`` imports from it BN evidence (``kind``
        "dropout": dropout evidence) in its text?"""
        key = (path, depth) if kind == "bn" else (path, depth, kind)
        memo = self._text_reach.get(key)
        if memo is not None:
            self.consulted |= memo[1]
            return memo[0]
        consulted: Set[str] = set()
        seen = {path}
        frontier = [path]
        found = False
        for level in range(depth + 1):
            following: List[str] = []
            for p in frontier:  # (grows while it is read: see below)
                consulted.add(p)
                node = self._text_node(p)
                if node is None:
                    continue
                has_bn, edges, probed, has_dropout = node
                if has_bn if kind == "bn" else has_dropout:
                    found = True
                    break
                # What a package `__init__.py` imports is on its own level: a re-export costs no
                # hop (``_reexports_only``).
                reexport = self._reexporting_package(p)
                if level < depth or reexport:
                    consulted.update(probed)
                    for e in edges:
                        if e not in seen:
                            seen.add(e)
                            (frontier if reexport else following).append(e)
            if found or not following:
                break
            frontier = following
        deps = self._frozen(consulted)
        self._text_reach[key] = (found, deps)
        self.consulted |= deps
        return found

    def _text_scan(self, path: str, text: str) -> Tuple[bool, Tuple[str, ...], Tuple[str, ...], bool]:
        """(has BN evidence, project files imported, absent files probed, has dropout evidence) for
        an imported module's text."""
        edges, probed = self._text_imports(path, text)
        return code_has_bn_evidence(text), edges, probed, code_has_dropout_evidence(text)

    def _text_imports(self, path: str, text: str) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
        """(project files imported, absent files probed) for one module's text."""
        edges: List[str] = []
        probed: List[str] = []
        folder = os.path.dirname(path)
        extra = tuple(self._sys_path_additions(path)) if "sys.path" in text else ()
        for level, module, names in imported_modules(text):
            parts = tuple(module.split(".")) if module else ()
            if not level and (not parts or parts[0] in THIRD_PARTY_ROOTS):
                continue
            targets = [parts] if parts else []
            targets += [parts + (n,) for n in names]
            if level and not parts:
                targets.append(("__init__",))  # `from . import x`: the package itself
            for target in targets:
                found, absent = self._resolve_text_import(folder, level, target, extra)
                edges.extend(found)
                probed.extend(absent)
        return tuple(dict.fromkeys(edges)), tuple(dict.fromkeys(probed))

    def _resolve_text_import(self, folder: str, level: int, target: Tuple[str, ...], extra: Tuple[str, ...] = ()) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
        """The files an import of ``target`` may load, as ``_candidate_modules`` would look for them
        (``extra``: the folders the importing module adds to `sys.path`)."""
        key = (folder, level, target, extra)
        cached = self._text_resolved.get(key)
        if cached is not None:
            return cached
        if level:
            base = folder
            for _ in range(level - 1):
                base = os.path.dirname(base)
            bases = [base]
        else:
            bases = self._import_bases(folder) + list(extra)
        found: List[str] = []
        absent: List[str] = []
        for base in bases:
            whole = False
            for split in range(len(target), 0, -1):
                stem = os.path.join(base, *target[:split])
                for candidate in (os.path.join(stem, "__init__.py"), stem + ".py"):  # (a package first, as Python looks)
                    exists = self._is_file(candidate)
                    (found if exists else absent).append(candidate)
                    whole = whole or (exists and split >= len(target) - 1)
            if whole:
                # The module (the target less a last name that may be a class) is found here. A
                # shorter match, a sibling module named like the package, may not be it: go on.
                break
        result = (tuple(found), tuple(absent))
        self._text_resolved[key] = result
        return result

    def inventory_for_source(self, source: str, path: Optional[str], tree: Optional[ast.Module] = None) -> ModuleInventory:
        if tree is None:
            tree = ast.parse(source)
        star = (lambda module: self._star_names(path, module)) if path else None
        builds_no_bn = (lambda q, call: self.builds_no_bn_at(path, q, call)) if path else None
        inv = summarise(tree, path, self._external_lookup(path, MAX_IMPORT_HOPS), star, builds_no_bn)
        inv.__dict__["_dropout_index"] = self
        return inv

    def builds_no_bn_at(self, from_path: str, qualified: str, call: ast.Call, hops: int = 0) -> bool:
        """``class_switched_off`` for a project class of another module, as ``from_path`` names it
        (through re-exports). Read from that module's summary (``switchable_bn``): no module is
        parsed for this that the BN questions would not parse anyway."""
        if hops > 4 or qualified.lstrip(".").split(".")[0] in THIRD_PARTY_ROOTS:
            return False
        for module_path, attr in self._candidate_modules(from_path, qualified):
            module_path = os.path.abspath(module_path)
            text = self._text_node(module_path)
            if text is None or not text[0]:
                # No BatchNorm in its text (a re-exporting `__init__.py` included: then the BN
                # stays counted, as before this reading): nothing to switch off, nothing parsed.
                return False
            other = self.inventory_for_path(module_path)
            if other is None or "." in attr:
                return False
            if attr in other.switchable_bn:
                return class_switched_off(other.switchable_bn[attr], other.resolve, call)
            target = other.aliases.get(attr)
            return self.builds_no_bn_at(module_path, target, call, hops + 1) if target and attr not in other.classes else False
        return False

    def namespace_holds_bn(self, from_path: str, module: str) -> bool:
        """Does every public factory of the project module ``module`` build BN (a model picked
        from it by name: `models.__dict__[args.arch]()`, `getattr(models, name)()`)?  Its classes
        and functions, and the names it imports from the project (a package `__init__` that
        re-exports its models); plain module imports and third-party names are not factories."""
        for module_path, _ in self._candidate_modules(from_path, f"{module}{'' if module.endswith('.') else '.'}__star__"):
            other = self.inventory_for_path(module_path)
            if other is None:
                return False
            local = [n for n in list(other.classes) + list(other.functions) if not n.startswith("_")]
            imported = [
                target
                for alias, target in other.aliases.items()
                if not alias.startswith("_") and alias != target and target.lstrip(".").split(".")[0] not in THIRD_PARTY_ROOTS
            ]
            if not local and not imported:
                return False
            return all(other.holds(n, MAX_IMPORT_HOPS) for n in local) and all(self.holds_bn(module_path, t) for t in imported)
        return False

    def clears_running_stats(self, from_path: str, qualified: str) -> bool:
        """Does the project function ``qualified`` (as named in ``from_path``) turn the running
        statistics of BatchNorm off (``clears_running_stats``): a test-time adaptation set-up,
        `tent.configure_model(model)`?"""
        if qualified.lstrip(".").split(".")[0] in THIRD_PARTY_ROOTS:
            return False
        found = self.definition(from_path, qualified)
        if found is None:
            return False
        _module_path, name, (functions, _aliases, _classes) = found
        fn = functions.get(name)
        return fn is not None and clears_running_stats(fn)

    def namespace_may_hold_bn(self, from_path: str, module: str) -> bool:
        """Does some public factory of the project module ``module`` build BN?  The prefilter's
        superset of ``namespace_holds_bn``: which one a call picks (an option's default:
        ``Facts.chosen_callee``) is decided on the tree."""
        for module_path, _ in self._candidate_modules(from_path, f"{module}{'' if module.endswith('.') else '.'}__star__"):
            other = self.inventory_for_path(module_path)
            if other is None:
                return False
            local = [n for n in list(other.classes) + list(other.functions) if not n.startswith("_")]
            imported = [
                target
                for alias, target in other.aliases.items()
                if not alias.startswith("_") and alias != target and target.lstrip(".").split(".")[0] not in THIRD_PARTY_ROOTS
            ]
            return any(other.holds(n, MAX_IMPORT_HOPS) for n in local) or any(self.holds_bn(module_path, t) for t in imported)
        return False

    def table_holds_bn(self, from_path: str, qualified_table: str) -> bool:
        """Does every factory of the dict literal ``qualified_table`` names, a top-level table of
        a project module (`models.available_models = {"signet": SigNet, ...}`), build BN?"""
        module, _, table = qualified_table.rpartition(".")
        if not module or module.lstrip(".").split(".")[0] in THIRD_PARTY_ROOTS:
            return False
        for module_path, _ in self._candidate_modules(from_path, f"{module}{'' if module.endswith('.') else '.'}__star__"):
            other = self.inventory_for_path(module_path)
            values = other.tables.get(table) if other is not None else None
            return bool(values) and all(callable_holds_bn(other, v, module_path, self) for v in values)  # type: ignore[arg-type, union-attr]
        return False

    def _star_names(self, from_path: str, module: str) -> List[Tuple[str, Optional[str]]]:
        """The public top-level names a project module `from <module> import *` binds (its
        `__all__` is not read: every class, function and import it has, and the models it builds
        at its top level), each with
        the third-party name it is an import of (`import torch as T`: torch), else None."""
        if module.lstrip(".").split(".")[0] in THIRD_PARTY_ROOTS:
            return []
        for module_path, _ in self._candidate_modules(from_path, f"{module}{'' if module.endswith('.') else '.'}__star__"):
            other = self.inventory_for_path(module_path)
            if other is not None:
                names: List[Tuple[str, Optional[str]]] = [(n, None) for n in list(other.classes) + list(other.functions)]
                # Models and dicts of models it builds at its top level (``module_level_model``).
                names += [(n, None) for n in list(other.module_models) + list(other.module_model_holders)]
                for alias, target in other.aliases.items():
                    external = not target.startswith(".") and target.split(".")[0] in THIRD_PARTY_ROOTS
                    names.append((alias, target if external else None))
                return names
        return []

    def _external_lookup(self, path: Optional[str], hops: int, kind: str = "bn") -> ExternalLookup:
        def lookup(qualified: str) -> bool:
            if path is None:
                return False
            return self.holds_dropout(path, qualified, hops) if kind == "dropout" else self.holds_bn(path, qualified, hops)

        return lookup

    def inventory_for_path(self, path: str) -> Optional[ModuleInventory]:
        """The (lazy) inventory of a project module, parsed once per process; None if unreadable."""
        path = os.path.abspath(path)
        self._note(path)
        if path in self._by_path:
            return self._by_path[path]
        inv: Optional[ModuleInventory] = None
        try:
            if os.path.getsize(path) <= _MAX_INDEX_BYTES:
                with open(path, "rb") as fh:
                    data = fh.read()
                from bnlint.py2 import parse_leniently

                tree = parse_leniently(data)
                # A re-exporting package (`from .models import *` in `__init__.py`) binds what the
                # starred module defines (chains of them too; a cycle binds nothing more).
                self._by_path[path] = None  # while it is summarised: a star-import cycle stops here
                star = (lambda module: self._star_names(path, module)) if b"import *" in data else None
                base, reasons = _local_summary(tree, path, star, lambda q, call: self.builds_no_bn_at(path, q, call))
                if b".eval(" in data or b".train(" in data or b".apply(" in data or b"return " in data or b"requires_grad" in data or b"load_state_dict(" in data:
                    # What building a model here does to its mode (``bnlint.summaries``), kept
                    # for the names whose answer is not plain train mode.  Only definitions whose
                    # text could change the answer are read (a mode call, or a nested function
                    # that may be what is returned): most of a large module is neither.
                    from bnlint.summaries import TRAIN, construction, returned_imported_calls

                    imported = self.imported_construction_reader(path, base.resolve)
                    lines = data.splitlines()
                    definitions = {**base.functions, **base.classes}
                    constructions = {}
                    # Classes whose construction freezes BN parameters or sets a mode: a factory
                    # that builds one (`return XrayNet(...)`) hands that object back.
                    answered_classes: List[bytes] = []
                    for name, node in sorted(definitions.items(), key=lambda item: not isinstance(item[1], ast.ClassDef)):
                        text = b"\n".join(lines[node.lineno - 1 : node.end_lineno or node.lineno])
                        if (
                            b".eval(" in text or b".train(" in text or b".apply(" in text or b"requires_grad" in text or text.count(b"def ") > 1
                            or (b"load_state_dict(" in text and _loads_into_self_or_returned(text))
                            or any(cls in text for cls in answered_classes)  # a factory of such a class
                            or (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(imported(n) is not None for n in returned_imported_calls(node, base.aliases)))
                        ):
                            c = construction(definitions, name, base.aliases, lambda q, m: self.method_switches_modes(path, q, m), imported)
                            if c is not None:
                                constructions[name] = c
                                if isinstance(node, ast.ClassDef) and (c.freezes_bn_params or c.params_freeze_flag or c.mode != TRAIN or c.freezes_bn):
                                    answered_classes.append(name.encode())
                    base.constructions = constructions  # type: ignore[misc]
                # Only names are needed from imported modules: drop the AST nodes (memory).
                base.classes = dict.fromkeys(base.classes)  # type: ignore[assignment]
                base.functions = dict.fromkeys(base.functions)  # type: ignore[assignment]
                del tree
                inv = LazyModuleInventory(base, reasons, self)
                inv.__dict__["_dropout_index"] = self
        except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
            inv = None
        self._by_path[path] = inv
        return inv

    def function_effects(self, from_path: str, qualified: str, depth: int = 0, constructors: bool = False) -> Any:
        """What the project function ``qualified`` (as imported in ``from_path``) does to the
        models handed to it (``bnlint.effects.FunctionEffects``), or None: not a project
        function, a method, or unreadable.  With ``constructors``, a project class too: what
        building an instance does to them (``_constructor_effects``; for the summaries, where an
        unread callee is unknown anyway; the mode analysis follows the objects a constructor
        keeps itself)."""
        found = self.definition(from_path, qualified, 0)
        if constructors and found is not None and found[1] in found[2][2]:
            module_path, name, (functions, aliases, classes) = found
            return self._constructor_effects(module_path, classes[name], functions, aliases, classes, depth)
        if found is None or found[1] not in found[2][0]:
            return None
        module_path, name, (functions, aliases, _) = found
        return self._function_effects_in(module_path, name, functions, aliases, depth)

    def _constructor_effects(self, module_path: str, cls: ast.ClassDef, functions: Dict[str, ast.AST], aliases: Dict[str, str], classes: Dict[str, ast.ClassDef], depth: int) -> Any:
        """What building an instance of the project class ``cls`` does to the models handed to its
        constructor (the nearest `__init__` of its project lineage, `self` not passed): a
        `deepcopy(model)` kept and put in eval leaves the caller's model as it was.  None when no
        project class of the lineage defines `__init__`, or when it keeps an argument (`self.model
        = model`): the instance's methods may switch it later, which a summary of the call cannot
        say (``kept_arguments`` and the trainer-object analysis follow those)."""
        for owner_path, owner, owner_functions, owner_aliases, _owner_classes in self._class_lineage([(module_path, cls, functions, aliases, classes)]):
            init = class_method(owner, "__init__")
            if init is None:
                continue
            found = self._method_as_function(owner_path, owner, init, owner_functions, owner_aliases, depth)
            return found.bound().keeping(frozenset(_kept_arguments(init))) if found is not None else None
        return None

    def inherited_method_effects(self, from_path: str, qualified_bases: "Sequence[str]", method: str, depth: int = 0) -> Any:
        """What the method ``method`` of the first project base class (among ``qualified_bases``, as
        ``from_path`` imports them, then their own bases) that defines it does to the models handed
        to it, as a function of its parameters (`self` first): ``bnlint.effects.FunctionEffects``,
        or None (no project base defines it)."""
        starts = []  # (module path, class node, its module's functions, aliases, classes)
        for qualified in qualified_bases:
            found = self.definition(from_path, qualified, 0)
            if found is not None and found[1] in found[2][2]:
                module_path, name, (functions, aliases, classes) = found
                starts.append((module_path, classes[name], functions, aliases, classes))
        for module_path, cls, functions, aliases, classes in self._class_lineage(starts):
            fn = class_method(cls, method)
            if fn is None:
                continue
            return self._method_as_function(module_path, cls, fn, functions, aliases, depth)
        return None

    def base_self_calls(self, from_path: str, qualified_bases: "Sequence[str]") -> Dict[str, Tuple[Tuple[str, ...], bool]]:
        """For each method of the project base classes ``qualified_bases`` (as ``from_path``
        imports them, then their own bases; the nearest definition of a name): the methods it
        calls on `self`, in source order, and whether it switches a mode itself
        (`self.model.eval()`).  A subclass's override of a name it calls runs there instead
        (`Searcher.pick()` calling `self._score()` runs the subclass's `_score`)."""
        key = (os.path.dirname(os.path.abspath(from_path)), tuple(qualified_bases))
        cached = self._base_self_calls.get(key)
        if cached is not None:
            return cached
        starts = []
        for qualified in qualified_bases:
            found = self.class_definition(from_path, qualified)
            if found is not None:
                module_path, name, functions, aliases, classes = found
                starts.append((module_path, classes[name], functions, aliases, classes))
        out: Dict[str, Tuple[Tuple[str, ...], bool]] = {}
        for _path, cls, _functions, _aliases, _classes in self._class_lineage(starts):
            for fn in cls.body:
                if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or fn.name in out:
                    continue
                calls = sorted(
                    (n for n in ast_walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)),
                    key=lambda n: (n.lineno, n.col_offset),
                )
                on_self = tuple(c.func.attr for c in calls if isinstance(c.func.value, ast.Name) and c.func.value.id == "self")  # type: ignore[attr-defined]
                out[fn.name] = (on_self, any(c.func.attr in _MODE_SETTERS for c in calls))  # type: ignore[attr-defined]
        self._base_self_calls[key] = out
        return out

    def derives_from_module(self, from_path: str, qualified: str) -> bool:
        """Is the project class ``qualified`` (as ``from_path`` imports it) a `torch.nn.Module`
        through its bases, in its module and the project modules they come from?"""
        found = self.class_definition(from_path, qualified)
        if found is None:
            return False
        module_path, name, functions, aliases, classes = found
        for _path, cls, _functions, cls_aliases, _classes in self._class_lineage([(module_path, classes[name], functions, aliases, classes)]):
            for base in (dotted_name(x) for x in cls.bases):
                head, _, rest = (base or "").partition(".")
                target = cls_aliases.get(head, head) + ("." + rest if rest else "")
                if target in ("torch.nn.Module", "torch.nn.modules.module.Module") or (target.startswith("torch.nn.") and target.endswith((".Module", "Sequential"))):
                    return True
        return False

    def _method_as_function(self, module_path: str, cls: ast.ClassDef, fn: ast.AST, functions: Dict[str, ast.AST], aliases: Dict[str, str], depth: int) -> Any:
        """The summary of a method of ``cls`` as a function of its parameters, `self` first; the
        class's own methods it calls on `self` with a model (`self.search_minibatch(..., net)`)
        are followed the same way."""
        from bnlint.effects import summarise_function

        key = (module_path, f"{cls.name}.{fn.name}()")  # type: ignore[attr-defined]
        if key not in self._effects:
            self._effects[key] = None  # while it is computed: a recursive call is unknown
            base = self._resolver(module_path, functions, aliases)
            own = {n.name: n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}

            def resolve(dotted: str, at_depth: int) -> Any:
                head, _, meth = dotted.partition(".")
                if head == "self" and meth in own:
                    found = self._method_as_function(module_path, cls, own[meth], functions, aliases, at_depth)
                    return found.bound() if found is not None else None
                return base(dotted, at_depth)

            try:
                self._effects[key] = summarise_function(fn, module_path, resolve, functions, depth)
            except RecursionError:
                pass
        return self._effects[key]

    def method_effect(self, from_path: str, qualified_class: str, method: str) -> Any:
        """What calling ``method`` on an instance of the project class ``qualified_class`` does
        to the instance (``bnlint.effects.summarise_method``), or None: not found."""
        from bnlint.effects import summarise_method

        found = self.class_definition(from_path, qualified_class)
        if found is None:
            return None
        module_path, name, functions, aliases, classes = found
        key = (module_path, f"{name}.{method}")
        if key not in self._effects:
            self._effects[key] = None  # while it is computed: a recursive call is unknown
            try:
                self._effects[key] = summarise_method(classes[name], method, module_path, self._resolver(module_path, functions, aliases), functions, classes=classes)
            except RecursionError:
                pass
        return self._effects[key]

    def method_switches_modes(self, from_path: str, qualified_class: str, method: str) -> bool:
        """Does ``method`` of the project class ``qualified_class`` (as imported in ``from_path``)
        call `.train()` or `.eval()` in its body?  False when it is not found."""
        from bnlint.summaries import _mode_of

        found = self.class_definition(from_path, qualified_class)
        if found is None:
            return False
        fn = class_method(found[4][found[1]], method)
        return fn is not None and any(isinstance(n, ast.Call) and _mode_of(n) is not None for n in ast_walk(fn))

    def kept_arguments(self, from_path: str, qualified_class: str) -> Any:
        """(positional parameters, parameter -> `self` attribute) of the constructor of a plain
        project class (not an `nn.Module`) that stores what it is handed without switching a mode
        (``bnlint.effects.constructor_attributes``), or None."""
        from bnlint.effects import constructor_attributes, is_module_class

        found = self.class_definition(from_path, qualified_class)
        if found is None:
            return None
        module_path, name, functions, aliases, classes = found
        key = (module_path, f"{name}.__init__ stores")
        if key not in self._effects:
            cls = classes[name]
            kept = None
            if not is_module_class(cls, classes):
                # The nearest class of its lineage that defines the constructor (a subclass that
                # only overrides methods keeps its base's `__init__`).
                for _path, owner, _f, _a, _c in self._class_lineage([(module_path, cls, functions, aliases, classes)]):
                    kept = constructor_attributes(owner)
                    if kept is not None or class_method(owner, "__init__") is not None:
                        break
            self._effects[key] = kept
        return self._effects[key]

    def built_parts(self, from_path: str, qualified_class: str) -> Optional[Dict[str, Tuple[bool, bool]]]:
        """For a plain project class (no `nn.Module`) whose constructor builds models itself (VSE++'s
        `self.img_enc = EncoderImage(...)`, `self.txt_enc = EncoderText(...)`): `self` attribute ->
        (holds BatchNorm, holds dropout), for the parts built by a top-level assignment of
        `__init__` that hold either; None when there are none or it is no such class."""
        from bnlint.effects import is_module_class

        found = self.class_definition(from_path, qualified_class)
        if found is None:
            return None
        module_path, name, functions, aliases, classes = found
        key = (module_path, f"{name} builds parts")
        if key not in self._effects:
            self._effects[key] = None  # (a class that builds itself: none)
            cls = classes[name]
            init = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
            plain = init is not None and not is_module_class(cls, classes) and self._plain_lineage(module_path, cls, functions, aliases, classes)
            inv = self.inventory_for_path(module_path) if plain else None
            parts: Dict[str, Tuple[bool, bool]] = {}
            switched: Optional[Dict[str, Set[str]]] = None
            for stmt in init.body if inv is not None else ():  # type: ignore[union-attr]
                target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None
                if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self" and isinstance(stmt.value, ast.Call)):
                    continue
                answer = self._bn_answer(inv, module_path, stmt.value)  # type: ignore[arg-type]
                bn = answer is True
                dropout = not bn and self._holds_dropout_value(inv, module_path, stmt.value)  # type: ignore[arg-type]
                if bn or dropout:
                    parts[target.attr] = (bn, dropout)
                elif answer is None:
                    # Built by code whose content cannot be told (a factory choosing an encoder at
                    # run time), and put in train and in eval mode by the class's own methods: a
                    # model of unknown content (neither flag set).
                    if switched is None:
                        switched = attributes_switched(cls)
                    if {"T", "E"} <= switched.get(target.attr, set()):
                        parts[target.attr] = (False, False)
            self._effects[key] = parts or None
        return self._effects[key]

    def inherited_part(self, from_path: str, qualified_base: str, attr: str) -> Optional[Tuple[bool, bool, bool]]:
        """`self.<attr>` of a subclass that does not set it, built by the constructor of its plain
        project base ``qualified_base`` of another module (`class SegTrainer(BaseTrainer)`, whose
        `__init__` runs `self.model = get_model(config)`): (holds BatchNorm, holds dropout, kept in
        train mode: the constructor leaves it as built, and no method of the base's lineage
        switches it, rebinds it or hands it to code that might), or None when the base builds no
        such part."""
        from bnlint.effects import ENTRY, TRAIN

        part = (self.built_parts(from_path, qualified_base) or {}).get(attr)
        found = self.class_definition(from_path, qualified_base) if part is not None else None
        if part is None or found is None:
            return None
        module_path, name, functions, aliases, classes = found
        key = (module_path, f"{name} keeps self.{attr} in train mode")
        if key not in self._effects:
            methods = set(self._base_methods(module_path, classes[name], functions, aliases, classes))
            methods.update(n.name for n in classes[name].body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
            effects = [self.attribute_method_effect(from_path, qualified_base, method, attr) for method in sorted(methods)]
            self._effects[key] = all(effect is None or effect.exit in (ENTRY, TRAIN) for effect in effects)
        return part[0], part[1], bool(self._effects[key])

    def _plain_lineage(self, module_path: str, cls: ast.ClassDef, functions: Dict[str, ast.AST], aliases: Dict[str, str], classes: Dict[str, ast.ClassDef]) -> bool:
        """Is ``cls`` known to be no `nn.Module`: each of its bases, and theirs, is `object` or a
        project class of that kind?  (A base from a library, `BaseModel` of a package not in the
        project or `pl.LightningModule`, may be a module: not known.)"""
        from bnlint.effects import is_module_class

        lineage = list(self._class_lineage([(module_path, cls, functions, aliases, classes)]))
        names = {c.name for _p, c, _f, _a, _c in lineage}
        for _path, klass, _functions, cls_aliases, cls_classes in lineage:
            for base in (dotted_name(b) for b in klass.bases):
                if base is None or qualify(base, cls_aliases) in PLAIN_LIBRARY_BASES:
                    continue
                leaf = base.rsplit(".", 1)[-1]  # type: ignore[union-attr]
                if leaf not in names or is_module_class(klass, cls_classes):
                    return False
        return True

    def attribute_method_effect(self, from_path: str, qualified_class: str, method: str, attr: str) -> Any:
        """What calling ``method`` on an instance of the plain project class ``qualified_class``
        does to the model it keeps in `self.<attr>` (``bnlint.effects.summarise_attribute_method``),
        or None: not found."""
        from bnlint.effects import summarise_attribute_method

        found = self.class_definition(from_path, qualified_class)
        if found is None:
            return None
        module_path, name, functions, aliases, classes = found
        key = (module_path, f"{name}.{method} on self.{attr}")
        if key not in self._effects:
            self._effects[key] = None  # while it is computed: a recursive call is unknown
            try:
                inherited = self._base_methods(module_path, classes[name], functions, aliases, classes)
                self._effects[key] = summarise_attribute_method(
                    classes[name], method, attr, module_path, self._resolver(module_path, functions, aliases), functions, inherited
                )
            except RecursionError:
                pass
        return self._effects[key]

    def _base_methods(self, module_path: str, cls: ast.ClassDef, functions: Dict[str, ast.AST], aliases: Dict[str, str], classes: Dict[str, ast.ClassDef]) -> Dict[str, ast.AST]:
        """The methods ``cls`` inherits from its project base classes, the nearest base's first."""
        out: Dict[str, ast.AST] = {}
        for _path, base, _functions, _aliases, _classes in self._class_lineage([(module_path, cls, functions, aliases, classes)]):
            if base is not cls:
                for n in base.body:
                    if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        out.setdefault(n.name, n)
        return out

    def _class_lineage(self, starts: List[Tuple[str, ast.ClassDef, Dict[str, ast.AST], Dict[str, str], Dict[str, ast.ClassDef]]]):
        """The classes ``starts`` and their project base classes (of their module, or of the project
        modules they are imported from), breadth first, each once, as (module path, class, its
        module's functions, aliases, classes); torch's and other libraries' bases are left out."""
        todo = list(starts)
        seen: Set[int] = set()
        while todo and len(seen) < 16:
            module_path, cls, functions, aliases, classes = todo.pop(0)
            if id(cls) in seen:
                continue
            seen.add(id(cls))
            yield module_path, cls, functions, aliases, classes
            for base in (dotted_name(x) for x in cls.bases):
                if not base or base == "object":
                    continue
                if base in classes:
                    todo.append((module_path, classes[base], functions, aliases, classes))
                    continue
                head, _, rest = base.partition(".")
                target = aliases.get(head)
                found = self.class_definition(module_path, target + ("." + rest if rest else "")) if target else None
                if found is not None:
                    path2, name2, functions2, aliases2, classes2 = found
                    todo.append((path2, classes2[name2], functions2, aliases2, classes2))

    def returned_models(self, from_path: str, qualified: str) -> Optional[Tuple[Optional[Tuple[str, bool]], ...]]:
        """For a project function that returns a tuple (`return model, optimizer, criterion`):
        per position, (the mode it is in: TRAIN, EVAL or UNKNOWN, whether it holds BN) for the
        model with BatchNorm or dropout it hands back there, or None where it hands back
        something without either.  None when it is not such a function.  A position may hold
        one of several models (`if name == ...: model = A()`); it is a BN model when one of
        them holds BN, as for a factory returning one model (and a dropout model likewise)."""
        from bnlint.summaries import returned_tuple

        found = self.definition(from_path, qualified, 0)
        if found is None or found[1] not in found[2][0]:
            return None
        module_path, name, (functions, _aliases, _classes) = found
        key = (module_path, "returns " + name)
        if key in self._effects:
            return self._effects[key]  # type: ignore[no-any-return]
        positions = returned_tuple(functions[name])
        answer: Optional[Tuple[Optional[str], ...]] = None
        inv = self.inventory_for_path(module_path) if positions else None
        if positions and inv is not None:
            found: List[Optional[Tuple[str, bool]]] = []
            for values, mode in positions:
                if any(self._bn_answer(inv, module_path, v) for v in values):
                    found.append((mode, True))
                elif any(self._holds_dropout_value(inv, module_path, v) for v in values):
                    found.append((mode, False))
                else:
                    found.append(None)
            answer = tuple(found) if any(found) else None
        self._effects[key] = answer
        return answer

    def attribute_holds_bn(self, from_path: str, qualified_class: str, attr: str, local: Optional[ModuleInventory] = None) -> Optional[bool]:
        """Does the submodule `self.<attr>` of the project class ``qualified_class`` (as named in
        ``from_path``, or defined there) hold BatchNorm?  From what its methods assign to it:
        True when one of the values builds BN, False when every one is a call that builds
        none (`self.vgg = add_vgg()` of Conv2d and ReLU), None when it cannot be told.
        ``local``: the summary of the linted file itself, for a class it defines (read from the
        tree being linted: a notebook's cells, an editor's buffer; nothing parsed or kept again)."""
        if local is not None and qualified_class in local.classes:
            return self._class_attribute_holds_bn(local, os.path.abspath(from_path), local.classes[qualified_class], attr, 0)
        library = torchvision_part_holds_bn(qualified_class, attr)
        if library is not None:
            return library
        found = self.definition(from_path, qualified_class, 0)
        if found is None:
            module = self._effect_module(os.path.abspath(from_path))
            if module is None or qualified_class not in module[2]:
                return None
            found = (os.path.abspath(from_path), qualified_class, module)
        module_path, name, (_functions, _aliases, classes) = found
        cls = classes.get(name)
        inv = self.inventory_for_path(module_path) if cls is not None else None
        if cls is None or inv is None:
            return None
        return self._class_attribute_holds_bn(inv, module_path, cls, attr, 0)

    def _class_attribute_holds_bn(self, inv: ModuleInventory, module_path: str, cls: ast.ClassDef, attr: str, depth: int) -> Optional[bool]:
        values = self._attribute_values(cls, attr)  # (the value assigned to `self.<attr>`, the method assigning it)
        if not values and depth == 0:
            # Built by a base class (`super().__init__()` of a linear probe building on the
            # pretraining network): what the nearest base that assigns it builds, in its module.
            module = self._effect_module(module_path)
            if module is not None:
                for base_path, base, _f, _a, _c in self._class_lineage([(module_path, cls, module[0], module[1], module[2])]):
                    if base is cls:
                        continue
                    found = self._attribute_values(base, attr)
                    base_inv = self.inventory_for_path(base_path) if found else None
                    if base_inv is not None:
                        return self._class_attribute_holds_bn(base_inv, base_path, base, attr, depth + 1)
                    if found:
                        return None
        answers = []
        for value, method in values:
            part = _parts_of_attribute(value)
            if part is not None and part != attr and depth < 4:
                # `self.base_layers = list(self.base_model.children())`: what `self.base_model` holds.
                answers.append(self._class_attribute_holds_bn(inv, module_path, cls, part, depth + 1))
            elif isinstance(value, ast.Name) and any(n is value for _, n in _globals_read(method, inv.module_calls)):  # type: ignore[arg-type]
                # `self.layer1 = conv_base`, the module's own `conv_base = nn.Sequential(...)`: that object.
                answers.append(self._bn_answer(inv, module_path, inv.module_calls[value.id]))
            else:
                answers.append(self._bn_answer(inv, module_path, value))
        if any(answers):
            return True
        return False if answers and all(a is False for a in answers) else None

    @staticmethod
    def _attribute_values(cls: ast.ClassDef, attr: str) -> List[Tuple[ast.AST, ast.AST]]:
        """(value, method) of each `self.<attr> = value` in the methods of ``cls``."""
        values = []
        for method in (n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            for node in ast_walk(method):
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Attribute) and t.attr == attr and isinstance(t.value, ast.Name) and t.value.id == "self" for t in node.targets
                ):
                    values.append((node.value, method))
        return values

    def _holds_dropout_value(self, inv: ModuleInventory, module_path: str, value: ast.AST) -> bool:
        """Does ``value`` (an expression of module ``module_path``) build a model with dropout?"""
        while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and (value.func.attr in MODULE_METHODS_KEEPING_MODE or value.func.attr in ("train", "eval")):
            value = value.func.value
        name = dotted_name(value.func) if isinstance(value, ast.Call) else None
        return bool(name) and callable_holds_dropout(inv, name, module_path, self)  # type: ignore[arg-type]

    def _bn_answer(self, inv: ModuleInventory, module_path: str, value: ast.AST, depth: int = 0) -> Optional[bool]:
        """Does ``value`` (an expression of module ``module_path``) build BatchNorm: True, False
        (a layer or project callable known to build none, a container of such), or None (unknown)."""
        if depth > 6:
            return None
        while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and (value.func.attr in MODULE_METHODS_KEEPING_MODE or value.func.attr in ("train", "eval")):
            value = value.func.value
        if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Call):
            inner = self._bn_answer(inv, module_path, value.value, depth + 1)  # `mobilenet_v2().features`
            return None if inner else inner
        if not isinstance(value, ast.Call):
            return None
        name = dotted_name(value.func)
        if not name:
            return None
        head = name.split(".")[0]
        if head in inv.classes or head in inv.functions:
            # (An imported module's inventory answers for its names lazily, by ``holds``.)
            return inv.holds(head, MAX_IMPORT_HOPS - 1) if name == head else None
        q = inv.resolve(name)
        if q.startswith("torch.nn.") and q.rsplit(".", 1)[-1] in ("Sequential", "ModuleList", "ModuleDict"):
            parts = [a for a in value.args] + [k.value for k in value.keywords]
            # `nn.Sequential(*list(resnet50().children())[:-1])`: the parts of that model, its head left out.
            parts = [_children_source(a) if isinstance(a, ast.Starred) else a for a in parts]
            if any(a is None for a in parts) or not parts:
                return None
            inner = [self._bn_answer(inv, module_path, a, depth + 1) for a in parts]
            return True if any(inner) else (False if all(a is False for a in inner) else None)
        if callable_holds_bn(inv, name, module_path, self):
            return True
        # No: certainly so for a torch layer, a frozen BN, a factory known to build none, or a
        # project name the index answered for; anything else is not known.
        known = q.startswith("torch.nn.") or is_frozen_bn_class(q) or factory_holds_bn(q) is False
        return False if known or (inv.is_imported(name) and q.lstrip(".").split(".")[0] not in THIRD_PARTY_ROOTS) else None

    def freeze_helper(self, from_path: str, qualified: str) -> Any:
        """The summary (``bnlint.effects.FunctionEffects``) of the project function ``qualified``
        when it freezes the BatchNorm of a model handed to it (`fix_bn(model)` looping over
        `.modules()` with `m.eval()` on BN), else None.  Third-party names are no project function."""
        if qualified.lstrip(".").split(".")[0] in THIRD_PARTY_ROOTS:
            return None
        effects = self.function_effects(from_path, qualified)
        if effects is None:
            return None
        params = effects.positional + effects.keyword_only
        return effects if any((e := effects.effects.get(p)) is not None and e.freezes_bn for p in params) else None

    def parameter_freezer(self, from_path: str, qualified: str, unfreezes: bool = False) -> Any:
        """For a project function that freezes the module parameters of what it is handed
        (``summaries.frozen_parameters``: `set_requires_grad(model, keys, False)`): (its summary,
        parameter -> the flag parameter whose value is written, or None); else None.
        ``unfreezes``: the same for one that unfreezes them (`enable_gradients(model)`)."""
        if qualified.lstrip(".").split(".")[0] in THIRD_PARTY_ROOTS:
            return None
        effects = self.function_effects(from_path, qualified)
        if effects is None:
            return None
        key = (effects.path, f"{effects.name} {'unfreezes' if unfreezes else 'freezes'} parameters")
        if key not in self._effects:
            from bnlint.summaries import frozen_parameters

            self._effects[key] = frozen_parameters(effects.effects._fn, unfreezes) or None  # type: ignore[attr-defined]
        frozen = self._effects[key]
        return (effects, frozen) if frozen else None

    def class_definition(self, from_path: str, qualified: str) -> Optional[Tuple[str, str, Dict[str, ast.AST], Dict[str, str], Dict[str, ast.ClassDef]]]:
        """(module path, class name, the module's functions, aliases and classes) of the project
        class ``qualified`` names (``definition``, through re-exports); None when it is no class
        of the project."""
        found = self.definition(from_path, qualified, 0)
        if found is None or found[1] not in found[2][2]:
            return None
        module_path, name, (functions, aliases, classes) = found
        return module_path, name, functions, aliases, classes

    def definition(self, from_path: str, qualified: str, hops: int = 0) -> Optional[Tuple[str, str, Tuple[Dict[str, ast.AST], Dict[str, str], Dict[str, ast.ClassDef]]]]:
        """(module path, name, module) of the top-level definition ``qualified`` names, through
        re-exports (`from .engine import evaluate` in a package ``__init__``); None if not in the
        project."""
        if not qualified or hops > 4 or qualified.lstrip(".").split(".")[0] in THIRD_PARTY_ROOTS:
            return None
        for module_path, attr in self._candidate_modules(from_path, qualified):
            module_path = os.path.abspath(module_path)
            module = self._effect_module(module_path)
            if module is None or "." in attr:
                return None
            if attr in module[0] or attr in module[2]:
                return module_path, attr, module
            target = module[1].get(attr)
            return self.definition(module_path, target, hops + 1) if target else None
        return None

    def _function_effects_in(self, module_path: str, name: str, functions: Dict[str, ast.AST], aliases: Dict[str, str], depth: int) -> Any:
        from bnlint.effects import summarise_function

        key = (module_path, name)
        if key not in self._effects:
            self._effects[key] = None  # while it is computed: a recursive call is unknown
            try:
                self._effects[key] = summarise_function(functions[name], module_path, self._resolver(module_path, functions, aliases), functions, depth)
            except RecursionError:
                pass
        return self._effects[key]

    def _resolver(self, module_path: str, functions: Dict[str, ast.AST], aliases: Dict[str, str]) -> Callable[[str, int], Any]:
        """How a summary of a function of ``module_path`` looks up the functions it calls: its
        module's own, then what the module imports from the project."""

        def resolve(dotted: str, at_depth: int) -> Any:
            if dotted in functions:
                return self._function_effects_in(module_path, dotted, functions, aliases, at_depth)
            module = self._effect_module(module_path)
            if module is not None and dotted in module[2]:
                return self._constructor_effects(module_path, module[2][dotted], functions, aliases, module[2], at_depth)
            head, _, rest = dotted.partition(".")
            target = aliases.get(head)
            return self.function_effects(module_path, f"{target}.{rest}" if rest else target, at_depth, constructors=True) if target else None

        return resolve

    def _effect_module(self, path: str) -> Optional[Tuple[Dict[str, ast.AST], Dict[str, str], Dict[str, ast.ClassDef]]]:
        """A project module's top-level functions, import aliases and classes, for
        ``function_effects`` and ``method_effect``."""
        self._note(path)
        if path in self._effect_modules:
            return self._effect_modules[path]
        tree = self.module_tree(path)
        module = None
        if tree is not None:
            functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
            classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
            aliases = _import_aliases(tree)
            self._effect_modules[path] = None  # while it is read: a star-import cycle binds nothing more
            # A re-exporting package (`from .nets import *` in `__init__.py`) binds what the
            # starred modules define, as in ``inventory_for_path``.
            for name, target in star_bindings(_star_imports(tree), lambda module: self._star_names(path, module)).items():
                if name not in functions and name not in classes:
                    aliases.setdefault(name, target)
            module = (functions, aliases, classes)
        self._effect_modules[path] = module
        return module

    def _may_hand_back_modes(self, path: str) -> bool:
        """Can a factory of the module at ``path`` hand back a model whose mode or BN freeze its
        summary records (the text has a mode call, a `requires_grad` write or a factory of
        another module it imports)?  Read once per file, so that a builder chain does not
        summarise every module a returned call names (torch's own sources return calls everywhere)."""
        path = os.path.abspath(path)
        known = self._hands_back.get(path)
        if known is None:
            known = self._hands_back[path] = bool(_HANDS_BACK_MODES.search(self._module_text(path)))
        return known

    def module_level_model(self, from_path: str, qualified: str) -> "Optional[ModuleLevelModel]":
        """A model object a project module builds once at its top level (`CatNet =
        models.resnet50(weights=...)`) that ``from_path`` imports as ``qualified``: what it holds,
        whether it has trained weights, and whether that module or one that imports it switches
        its mode; None for any other name (a class, a function, a name bound more than once or
        to no model).  Read from the module's summary (``ModuleInventory.module_models``)."""
        if not qualified or qualified.lstrip(".").split(".")[0] in THIRD_PARTY_ROOTS:
            return None
        found = next(iter(self._candidate_modules(from_path, qualified)), None)
        if found is None or "." in found[1]:
            return None
        module_path, attr = os.path.abspath(found[0]), found[1]
        key = (module_path, attr)
        if key in self._module_level_models:
            return self._module_level_models[key]
        self._module_level_models[key] = None
        text = self._module_text(module_path)
        name = re.escape(attr)
        if not re.search(r"^" + name + r"\s*(:[^=\n]*)?=[^=]", text, re.M):
            # (Most imported names are classes and functions: no summary for those.)  A name the
            # module itself imports, by name or through `import *`, is followed there (a re-export).
            if re.search(r"^\s*(class|def)\s+" + name + r"\b", text, re.M) or not re.search(r"\bimport\b[^\n]*(\*|\b" + name + r"\b)", text):
                return None
            other = self.inventory_for_path(module_path)
            target = other.aliases.get(attr) if other is not None else None
            if not target or target.lstrip(".").split(".")[0] in THIRD_PARTY_ROOTS:
                return None
            model = self.module_level_model(module_path, target)
            self._module_level_models[key] = model
            return model
        inv = self.inventory_for_path(module_path)
        entry = getattr(inv, "module_models", {}).get(attr) if inv is not None else None
        entries = getattr(inv, "module_model_holders", {}).get(attr) if inv is not None else None
        if entry is None and not entries or re.search(r"\bglobal\s[\w\s,]*\b" + name + r"\b", text):
            return None  # (bound again by a function through `global`)
        if entry is None:
            holder = self._module_level_holder(from_path, qualified, module_path, attr, entries, text, inv)  # type: ignore[arg-type]
            self._module_level_models[key] = holder
            return holder
        callee, weights = entry
        switched = re.search(r"\b" + name + r"\s*\.\s*(eval|train)\s*\(", text) is not None
        loads = re.search(r"\b" + name + r"\s*\.\s*load_state_dict\s*\(", text) is not None
        holds, dropout = self._top_level_call_holds(from_path, qualified, inv, callee, module_path)  # type: ignore[arg-type]
        if not holds and not dropout:
            return None
        # Another module that imports it may switch it before this one runs (a shared global):
        # any `<name>.eval()`/`.train()` in an importer's text makes its mode unknown here.
        switched = switched or self.mode_switched_by_importers(module_path, attr, attr)
        model = ModuleLevelModel(holds_bn=holds, holds_dropout=dropout, has_weights=weights or loads, switched=switched, cls_name=callee)
        self._module_level_models[key] = model
        return model

    def _top_level_binding(self, from_path: str, qualified: str, hops: int = 0) -> "Optional[Tuple[str, ast.Module, List[ast.stmt], str]]":
        """(that module's path, its ``ast``, the statements that bind the name at its top level, the name)
        for the project module ``qualified`` names as ``from_path`` imports it, through
        re-exports and `import *`; None outside the project or where nothing binds it."""
        if not qualified or hops > 4 or qualified.lstrip(".").split(".")[0] in THIRD_PARTY_ROOTS:
            return None
        found = next(iter(self._candidate_modules(from_path, qualified)), None)
        if found is None or "." in found[1]:
            return None
        module_path, attr = os.path.abspath(found[0]), found[1]
        tree = self.module_tree(module_path)
        if tree is None:
            return None
        bound = [n for n in tree.body if _binds_top_level(n, attr)]
        if not bound:
            inv = self.inventory_for_path(module_path)
            target = inv.aliases.get(attr) if inv is not None else None
            return self._top_level_binding(module_path, target, hops + 1) if target else None
        return module_path, tree, bound, attr

    def module_level_literal(self, from_path: str, qualified: str) -> "Optional[Tuple[object, str, int]]":
        """The literal a project module binds ``qualified`` to, once, at its top level (`batch_size
        = 1` in `config.py`, read through `from config import *` or `from config import
        batch_size`), with that module's path and the line; None when it is bound otherwise,
        more than once, or outside the project."""
        found = self._top_level_binding(from_path, qualified)
        if found is None:
            return None
        module_path, _tree, bound, attr = found
        if len(bound) != 1 or not isinstance(bound[0], ast.Assign) or not all(isinstance(t, ast.Name) and t.id == attr for t in bound[0].targets):
            return None
        try:
            value = ast.literal_eval(bound[0].value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None
        return value, module_path, bound[0].lineno

    def module_level_call(self, from_path: str, qualified: str) -> "Optional[Tuple[str, ast.Call, Dict[str, str]]]":
        """The call a project module binds ``qualified`` to, once, at its top level
        (`pair_loader = DataLoader(pairs, batch_size=1)`): (that module's path, the ``ast``
        call, its import aliases); else None."""
        found = self._top_level_binding(from_path, qualified)
        if found is None or len(found[2]) != 1 or not isinstance(found[2][0].value, ast.Call):  # type: ignore[attr-defined]
            return None
        return found[0], found[2][0].value, _import_aliases(found[1])  # type: ignore[attr-defined]

    def module_level_dict(self, from_path: str, qualified: str) -> "Optional[Tuple[str, Dict[str, ast.expr]]]":
        """The entries of a dict a project module fills at its top level (`args = {}` then
        `args["loader"] = train_loader`, or `args = {"loader": ...}`) that ``from_path`` imports
        as ``qualified``: (that module's path, key -> the ``ast`` value); None for anything
        else, or a dict filled under a key not known there."""
        found = self._top_level_binding(from_path, qualified)
        if found is None:
            return None
        module_path, tree, bound, attr = found
        entries = top_level_dicts(tree, {attr: [b.value for b in bound if getattr(b, "value", None) is not None]}).get(attr)  # type: ignore[attr-defined]
        if entries is None:
            return None
        return module_path, entries

    def _top_level_call_holds(self, from_path: str, qualified: str, inv: "ModuleInventory", callee: str, module_path: str) -> Tuple[bool, bool]:
        """(BatchNorm, dropout only): what calling ``callee`` at the top level of the module that
        defines ``qualified`` builds.  A class or function of that module is asked through the
        importing file (the module's lazy summary decides its own names on request)."""
        head = callee.split(".")[0]
        if head in inv.classes or head in inv.functions:
            local = qualified.rsplit(".", 1)[0] + "." + callee if "." in qualified else callee
            holds = self.holds_bn(from_path, local)
            return holds, not holds and self.holds_dropout(from_path, local)
        holds = callable_holds_bn(inv, callee, module_path, self)
        return holds, not holds and callable_holds_dropout(inv, callee, module_path, self)

    def _module_level_holder(
        self, from_path: str, qualified: str, module_path: str, attr: str, entries: Dict[str, Tuple[str, bool]], text: str, inv: "ModuleInventory"
    ) -> "Optional[ModuleLevelModel]":
        """``module_level_model`` for a dict the module fills with models at its top level
        (`train_args["model"] = Net().cuda()`): those with BatchNorm or dropout, by key; None
        when it holds none."""
        parts: Dict[str, ModuleLevelModel] = {}
        for key, (callee, weights) in sorted(entries.items()):
            holds, dropout = self._top_level_call_holds(from_path, qualified, inv, callee, module_path)
            if not holds and not dropout:
                continue
            # `args["model"].eval()` there, or in a module that imports the dict: its mode is not known.
            item = re.escape(attr) + r"\s*\[\s*['\"]" + re.escape(key) + r"['\"]\s*\]"
            switched = re.search(item + r"\s*\.\s*(eval|train)\s*\(", text) is not None or self.mode_switched_by_importers(module_path, attr, attr)
            loads = re.search(item + r"\s*\.\s*load_state_dict\s*\(", text) is not None
            parts[key] = ModuleLevelModel(holds_bn=holds, holds_dropout=dropout, has_weights=weights or loads, switched=switched, cls_name=callee)
        if not parts:
            return None
        return ModuleLevelModel(holds_bn=False, holds_dropout=False, has_weights=False, switched=False, cls_name="dict", parts=parts)

    def imported_construction_reader(self, path: str, resolve: Callable[[str], str]) -> "Callable[[str], Optional[Construction]]":
        """``summaries.construction``'s ``imported``: the summary of a factory the module at
        ``path`` imports (`from backbones import resnet_frozen`; ``resolve``: that module's
        import resolution), through re-exports; None for anything else (a library, a class of
        no project module)."""

        def imported(name: str) -> "Optional[Construction]":
            qualified = resolve(name)
            if not path or not qualified or qualified.lstrip(".").split(".")[0] in THIRD_PARTY_ROOTS:
                return None
            # The module's summary, not its tree (``definition`` keeps trees: memory on large
            # projects); a name re-exported through a package is not followed here.
            found = next(iter(self._candidate_modules(path, qualified)), None)
            if found is None or "." in found[1] or os.path.abspath(found[0]) == os.path.abspath(path) or not self._may_hand_back_modes(found[0]):
                return None
            other = self.inventory_for_path(found[0])
            return other.constructions.get(found[1]) if other is not None and hasattr(other, "constructions") else None

        return imported

    def module_tree(self, path: str) -> Optional[ast.Module]:
        """The ``ast`` of a project module whose definitions a rule or summary reads (functions,
        constants), parsed once per index; None if unreadable or too large."""
        path = os.path.abspath(path)
        self._note(path)
        if path not in self._trees:
            tree = None
            try:
                if os.path.getsize(path) <= _MAX_INDEX_BYTES:
                    from bnlint.py2 import parse_leniently

                    with open(path, "rb") as fh:
                        tree = parse_leniently(fh.read())
            except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
                tree = None
            self._trees[path] = tree
        return self._trees[path]

    def holds_bn(self, from_path: str, qualified: str, hops: Optional[int] = None) -> bool:
        """Does the project object ``qualified`` (as imported in ``from_path``) hold BatchNorm?

        The answer is searched at most ``hops`` modules away (``MAX_IMPORT_HOPS`` from a linted
        file; a re-export in a package ``__init__`` costs no hop).  Bounding it keeps the
        answers independent of the order files are linted in, and the cost small in framework
        code where every module reaches every other one.
        """
        return self._holds_kind("bn", from_path, qualified, hops)

    def holds_dropout(self, from_path: str, qualified: str, hops: Optional[int] = None) -> bool:
        """Does the project object ``qualified`` (as imported in ``from_path``) hold a dropout
        layer?  As ``holds_bn`` (re-exports followed, at most ``hops`` modules away)."""
        return self._holds_kind("dropout", from_path, qualified, hops)

    def _holds_kind(self, kind: str, from_path: str, qualified: str, hops: Optional[int]) -> bool:
        if hops is None:
            hops = MAX_IMPORT_HOPS if kind == "bn" else DROPOUT_IMPORT_HOPS
        if hops <= 0:
            return False
        # Imports resolve from the importing file's folder only: its neighbours share answers.
        key = (os.path.dirname(os.path.abspath(from_path)), qualified if kind == "bn" else f"{kind} {qualified}", hops)
        memo = self._answers.get(key) or self._provisional.get(key)
        if memo is not None:
            self.consulted |= memo[1]
            return memo[0]
        if key in self._asking:
            self._cycle = True  # re-export cycles (`from . import x` in x's own package): "no" for now
            return False
        compute = self._holds_bn if kind == "bn" else self._holds_dropout
        self._asking.add(key)
        try:
            answer, deps, final = self._answer(lambda: compute(from_path, qualified, hops))
        finally:
            self._asking.discard(key)
        (self._answers if final else self._provisional)[key] = (answer, deps)
        return answer

    def _holds_dropout(self, from_path: str, qualified: str, hops: int) -> bool:
        if factory_holds_dropout(qualified.lstrip(".")) or is_dropout_class(qualified):
            return True
        for module_path, attr in self._candidate_modules(from_path, qualified):
            onward = hops if self._reexporting_package(module_path) else hops - 1  # (a re-export costs no hop)
            if not self._text_evidence_within(os.path.abspath(module_path), onward, "dropout"):
                return False  # nothing within reach of that module's text names dropout: no need to parse it
            inv = self.inventory_for_path(module_path)
            if inv is None:
                continue
            head, _, rest = attr.partition(".")
            if head in inv.classes or head in inv.functions:
                return not (rest and self._class_data_attribute(module_path, head, rest)) and inv.holds_dropout(head, hops)
            target = inv.aliases.get(head)
            if target is not None:
                root = target.split(".")[0].lstrip(".")
                if root in THIRD_PARTY_ROOTS:
                    return is_dropout_class(target) or bool(factory_holds_dropout(target))
                return self.holds_dropout(module_path, target, onward)
            return False
        return False

    def _answer(self, compute: Callable[[], bool]) -> Tuple[bool, frozenset, bool]:
        """Run one (possibly nested) question: (answer, paths it rests on, may it be memoised?).

        A "no" that met a question still being answered (a cycle) may turn into a "yes" once
        that question is answered, so it is kept only until the outermost question is done.
        """
        outer_cycle, self._cycle = self._cycle, False
        outer, self.consulted = self.consulted, set()
        self._depth += 1
        answer = False
        try:
            answer = compute()
        except RecursionError:  # an absurdly long chain of imports: unknown
            answer = False
        finally:
            self._depth -= 1
            deps, self.consulted = self.consulted, outer
            self.consulted |= deps
        final = answer or not self._cycle
        self._cycle = outer_cycle or self._cycle
        if self._depth == 0:  # the outermost question: every cycle it met is closed now
            self._provisional.clear()
            self._cycle = False
            final = True
        return answer, self._frozen(deps), final

    def _holds_bn(self, from_path: str, qualified: str, hops: int) -> bool:
        for module_path, attr in self._candidate_modules(from_path, qualified):
            onward = hops if self._reexporting_package(module_path) else hops - 1  # (a re-export costs no hop)
            if not self._text_evidence_within(os.path.abspath(module_path), onward):
                return False  # nothing within reach of that module's text names BN: no need to parse it
            inv = self.inventory_for_path(module_path)
            if inv is None:
                continue
            head, _, rest = attr.partition(".")
            if rest and head in inv.classes and self._class_data_attribute(module_path, head, rest):
                return False  # a constant of the class (`ResNets.BASE_DEPTH_LIST`), not an instance of it
            if inv.holds(head, hops):
                return True
            if head in inv.classes or head in inv.functions:
                return False
            # Re-exported name (`from .resnet import ResNet` in __init__.py)
            if head in inv.aliases:
                target = inv.aliases[head]
                if target.split(".")[0].lstrip(".") in THIRD_PARTY_ROOTS or target.split(".")[0] in THIRD_PARTY_ROOTS:
                    return is_bn_class(target) or bool(factory_holds_bn(target))
                return self.holds_bn(module_path, target, onward)
            return False
        return False

    def _import_bases(self, folder: str) -> List[str]:
        """Where an absolute import may be found: the file's folder and a few ancestors (src/, the
        repository root), not above the project root when the file is inside it."""
        cached = self._bases.get(folder)
        if cached is not None:
            return cached
        inside = self.root is not None and (folder == self.root or folder.startswith(self.root.rstrip(os.sep) + os.sep))
        bases: List[str] = []
        d = folder
        for _ in range(6):
            bases.append(d)
            bases.extend(self._package_roots(d))
            if inside and d == self.root:
                break
            parent = os.path.dirname(d)
            if parent == d:
                break
            d = parent
        self._bases[folder] = bases
        return bases

    def _sys_path_additions(self, from_path: str) -> List[str]:
        """The folders a module adds to `sys.path` at its top level before importing its own code
        (`sys.path.append('core')`, `sys.path.insert(0, os.path.join(os.path.dirname(__file__),
        'lib'))`), found where they exist: relative to the module's folder and to the project
        root (a script is run from either).  Only literal paths are read."""
        path = os.path.abspath(from_path)
        cached = self._sys_path_dirs.get(path)
        if cached is not None:
            return cached
        found: List[str] = []
        self._sys_path_dirs[path] = found
        text = self._module_text(path)
        if "sys.path" not in text:
            return found
        # (Parsed here and dropped: keeping the tree of every such file would hold the trees of
        # the linted files themselves, which ``module_tree`` is not meant for.)
        try:
            from bnlint.py2 import parse_leniently

            tree = parse_leniently(text.encode("latin-1")) if len(text) <= _MAX_INDEX_BYTES else None
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
        folder = os.path.dirname(path)
        anchors = [folder] + ([self.root] if self.root and self.root != folder else [])
        for node in ast_walk(tree) if tree is not None else ():
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("append", "insert")
                    and dotted_name(node.func.value) == "sys.path" and node.args):
                continue
            relative = _literal_path(node.args[-1])
            if relative is None:
                continue
            for anchor in anchors:
                candidate = os.path.normpath(os.path.join(anchor, relative))
                if candidate not in found and os.path.isdir(candidate):
                    found.append(candidate)
        return found

    def _definition_loads_weights(self, module: str, name: str) -> Optional[bool]:
        """Does the top-level definition ``name`` of ``module`` load weights in its text?  None when
        the module defines no such name (re-exported, or a submodule).  Answers are kept (a few
        bytes each): the same helpers are imported by many files."""
        key = (module, name)
        if key not in self._loader_definitions:
            from bnlint.prefilter import loads_weights_in_text

            definition = _top_level_definition_text(self._module_text(module), name)
            self._loader_definitions[key] = None if definition is None else loads_weights_in_text(definition)
        self._note(module)
        return self._loader_definitions[key]

    def _module_text(self, path: str) -> str:
        """A module's text, read when asked (not kept: the questions are few per module)."""
        self._note(path)
        try:
            with open(path, "rb") as fh:
                return fh.read().decode("latin-1")
        except OSError:
            return ""

    def _reexporting_package(self, path: str) -> bool:
        """Is ``path`` a package `__init__.py` that only re-exports (``_reexports_only``)?"""
        if os.path.basename(path) != "__init__.py":
            return False
        known = self._reexporting.get(path)
        if known is None:
            known = self._reexporting[path] = _reexports_only(self._module_text(path))
        return known

    def _class_data_attribute(self, module_path: str, cls_name: str, attr: str) -> bool:
        """Is `<cls_name>.<attr>` a value the class body assigns (`BASE_DEPTH_LIST = [2, 2, 4, 2]`)?
        Such an attribute is data, not the class; a method (`load_from_checkpoint`, `from_config`:
        alternative constructors) or a name the body does not bind is taken for the class."""
        # Read from the class's text (a module asked about here is not parsed for it: torch's
        # sources ask this of hundreds of modules).
        body = _top_level_definition_text(self._module_text(os.path.abspath(module_path)), cls_name)
        if body is None:
            return False
        first = re.escape(attr.split(".")[0])
        return re.search(r"^[ \t]+" + first + r"\s*(?::[^=\n]*)?=(?!=)", body, re.M) is not None

    def _package_roots(self, folder: str) -> List[str]:
        """Where the project in ``folder`` installs its packages from, when not from ``folder``
        itself: `src/` next to a `pyproject.toml`/`setup.py`/`setup.cfg` (the src layout), or
        `python/` holding its own `setup.py` (dgl, tvm)."""
        roots = []
        if any(self._is_file(os.path.join(folder, f)) for f in ("pyproject.toml", "setup.py", "setup.cfg")) and os.path.isdir(os.path.join(folder, "src")):
            roots.append(os.path.join(folder, "src"))
        if self._is_file(os.path.join(folder, "python", "setup.py")):
            roots.append(os.path.join(folder, "python"))
        return roots

    def _candidate_modules(self, from_path: str, qualified: str) -> Iterable[Tuple[str, str]]:
        level = len(qualified) - len(qualified.lstrip("."))
        parts = qualified.lstrip(".").split(".")
        if level:
            base = os.path.dirname(os.path.abspath(from_path))
            for _ in range(level - 1):
                base = os.path.dirname(base)
            bases = [base]
        else:
            bases = self._import_bases(os.path.dirname(os.path.abspath(from_path))) + self._sys_path_additions(from_path)
        best: Optional[Tuple[int, str, str]] = None  # (module prefix length, path, attr)
        for base in bases:
            # Longest module prefix first: a.b.C -> module a/b.py attr C, then module a attr b.C
            for split in range(len(parts) - 1, 0, -1):
                if best is not None and split <= best[0]:
                    break
                mod, attr = parts[:split], ".".join(parts[split:])
                file_path = os.path.join(base, *mod) + ".py"
                pkg_path = os.path.join(base, *mod, "__init__.py")
                # A package takes precedence over a module of the same name in the same folder
                # (Python's own finder looks for `name/__init__.py` first: a stale `unet.py` next
                # to the `unet/` package is never imported).
                self.consulted.add(pkg_path)  # its absence decided the answer too
                if self._is_file(pkg_path):
                    best = (split, pkg_path, attr)
                    break
                self.consulted.add(file_path)
                if self._is_file(file_path):
                    best = (split, file_path, attr)
                    break
            if best is not None and best[0] == len(parts) - 1:
                break  # the whole module path found: no base can do better
            if level:
                # `from . import models` style: `.X` inside the package __init__
                pkg_init = os.path.join(base, "__init__.py")
                if len(parts) == 1:
                    self.consulted.add(pkg_init)
                if len(parts) == 1 and self._is_file(pkg_init):
                    yield pkg_init, parts[0]
                    return
        if best is not None:
            # The base with the longest module path wins (a sibling `parallel_wavegan.py` of a
            # package's module does not hide the package `parallel_wavegan/layers/...`), the
            # importing folder first among equals.
            yield best[1], best[2]

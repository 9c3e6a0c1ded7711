"""Why a CNN says what it says: activations, saliency, Grad-CAM, occlusion, edits, feature visualization.

Every function takes a torch model (as ``build_model`` or ``load_model``
gives) and one model-ready input ``(1, C, H, W)`` from
:func:`cnn_explorer.core.datasets.preprocess.prepare_input`; results are numpy. The
model is run in eval mode and left as it was; gradients never touch its
weights' ``.grad``. Torch is imported inside the functions.
"""

from cnn_explorer.core.interpret.activations import (
    Activations,
    LayerOutput,
    layer_activations,
)
from cnn_explorer.core.interpret.common import (
    block_end,
    conv_names,
    find_layer,
    last_conv,
    layer_kind,
    layers,
)
from cnn_explorer.core.interpret.edits import ModelEditor, filter_weights
from cnn_explorer.core.interpret.featurevis import VisFrame, maximize_activation
from cnn_explorer.core.interpret.gradcam import GradCam, grad_cam
from cnn_explorer.core.interpret.occlusion import Occlusion, occlusion_map
from cnn_explorer.core.interpret.patches import (
    FilterPatches,
    ReceptiveField,
    bundled_sample_patches,
    receptive_field,
    top_patches,
)
from cnn_explorer.core.interpret.saliency import saliency_map

__all__ = [
    "Activations", "FilterPatches", "GradCam", "LayerOutput", "ModelEditor", "Occlusion", "ReceptiveField",
    "VisFrame", "block_end", "bundled_sample_patches", "conv_names", "filter_weights", "find_layer", "grad_cam",
    "last_conv", "layer_activations", "layer_kind", "layers", "maximize_activation", "occlusion_map",
    "receptive_field", "saliency_map", "top_patches",
]

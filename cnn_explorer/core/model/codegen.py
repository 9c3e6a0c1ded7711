"""A model spec as code a student can paste: PyTorch (``codegen_torch``) and Keras 3 (``codegen_keras``).

The PyTorch code builds exactly the module ``build_model`` builds (same children and
names, so the same ``state_dict`` loads into it); the Keras code builds the same
shapes and parameters with Keras' channels-last layout. Both run as written.
"""

from __future__ import annotations

from cnn_explorer.core.model.codegen_keras import keras_code, keras_notes
from cnn_explorer.core.model.codegen_torch import pytorch_code, pytorch_model_function

__all__ = ["keras_code", "keras_notes", "pytorch_code", "pytorch_model_function"]

"""Output-size and padding arithmetic of convolution and pooling, one dimension at a time.

The one home of these formulas: the explorer's settings, the model shape tables, the CLI
and the code generators all call them. Results follow torch (``conv2d``, ``max_pool2d``,
``avg_pool2d``) and may be <= 0 where torch would refuse the input: callers say why.
"""

from __future__ import annotations


def effective_size(kernel: int, dilation: int = 1) -> int:
    """Extent of a kernel with ``dilation - 1`` gaps between its taps: d·(f − 1) + 1."""
    return dilation * (kernel - 1) + 1


def same_size(size: int, stride: int) -> int:
    """Output length of TensorFlow/Keras "same" padding: ceil(size / stride)."""
    return -(-size // stride)


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's "same" padding (before, after) for one dimension; the odd extra cell goes after."""
    total = max((same_size(size, stride) - 1) * stride + effective_size(kernel, dilation) - size, 0)
    return total // 2, total - total // 2


def conv_size(size: int, kernel: int, stride: int, pad_total: int, dilation: int = 1) -> int:
    """Output length of a convolution over ``size`` with ``pad_total`` zeros added in all: floor((n + p − f_eff) / s) + 1."""
    return (size + pad_total - effective_size(kernel, dilation)) // stride + 1


def pool_size(size: int, window: int, stride: int, pad: int, ceil_mode: bool) -> int:
    """Output length of torch pooling with ``pad`` on each side; ceil mode keeps a partial last window.

    In ceil mode a last window that would start in the right/bottom padding is dropped (torch's rule).
    """
    span = size + 2 * pad - window
    if not ceil_mode:
        return span // stride + 1
    out = same_size(span, stride) + 1
    if (out - 1) * stride >= size + pad:
        out -= 1
    return out

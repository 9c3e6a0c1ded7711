"""Activations, saliency, Grad-CAM, occlusion, edits, feature visualization and top patches (core.interpret)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
from inspect_helpers import MEAN, STD, draw_digit, tiny_cnn, train_tiny_cnn

from cnn_explorer.core import interpret as I
from cnn_explorer.core.datasets.bundled import load_mnist_sample
from cnn_explorer.core.datasets.preprocess import prepare_input
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.interpret.gradcam import place_on_input
from cnn_explorer.core.interpret.patches import ReceptiveField
from cnn_explorer.core.model.build import build_model
from cnn_explorer.core.model.presets import preset
from cnn_explorer.core.train.checkpoints import load_model

# one torch thread for the whole module (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def model():
    return train_tiny_cnn()


@pytest.fixture(scope="module")
def three():
    return prepare_input(draw_digit(3), (28, 28, 1), MEAN, STD)


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def _no_hooks(model) -> bool:
    return all(not m._forward_hooks for m in model.modules())


def test_activations_of_every_layer_in_one_pass(model, three):
    model.train()  # whatever mode the caller had is kept
    acts = I.layer_activations(model, three)
    assert model.training and _no_hooks(model)
    model.eval()
    assert acts.names == tuple(str(i) for i in range(8))
    kinds = [layer.kind for layer in acts.layers]
    assert kinds == ["conv2d", "relu", "maxpool", "conv2d", "relu", "maxpool", "flatten", "dense"]
    shapes = [layer.value.shape for layer in acts.layers]
    assert shapes == [(6, 26, 26), (6, 26, 26), (6, 13, 13), (12, 13, 13), (12, 13, 13), (12, 6, 6), (432,), (10,)]
    assert [layer.name for layer in acts.maps()] == ["0", "1", "2", "3", "4", "5"]
    with torch.no_grad():
        x = torch.from_numpy(three.array)
        np.testing.assert_allclose(acts["0"], model[0](x)[0].numpy(), rtol=1e-5, atol=1e-6)
        logits = model(x)[0]
    np.testing.assert_allclose(acts.logits, logits.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(acts.probabilities, torch.softmax(logits, 0).numpy(), rtol=1e-5, atol=1e-6)
    assert acts.probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_array_equal(acts["6"], acts["5"].ravel())  # the flattened vector
    assert acts.predicted == int(logits.argmax())


def test_activations_of_a_built_model_use_its_layer_names():
    net = build_model(preset("keras-slides", (28, 28, 1), tuple("0123456789")))
    acts = I.layer_activations(net, np.zeros((1, 1, 28, 28), np.float32))
    assert acts.names[0] == "conv1" and acts["conv1"].ndim == 3
    assert acts.layers[-1].kind == "dense" and acts.probabilities.shape == (10,)
    assert I.last_conv(net) in acts.names


def test_a_trailing_softmax_is_not_applied_twice(three):
    net = torch.nn.Sequential(tiny_cnn(), torch.nn.Softmax(dim=1)).eval()
    acts = I.layer_activations(net, three)
    with torch.no_grad():
        logits = net[0](torch.from_numpy(three.array))[0]
    np.testing.assert_allclose(acts.logits, logits.numpy(), rtol=1e-5, atol=1e-6)
    assert acts.probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    assert I.grad_cam(net, three).heatmap.shape == (28, 28)


def test_bad_inputs_are_named(model):
    with pytest.raises(CnnExplorerError, match="input"):
        I.layer_activations(model, np.zeros((2, 1, 28, 28), np.float32))
    with pytest.raises(CnnExplorerError, match="NaN"):
        I.layer_activations(model, np.full((1, 1, 28, 28), np.nan, np.float32))
    with pytest.raises(CnnExplorerError, match="no layer 'conv9'"):
        I.grad_cam(model, np.zeros((1, 1, 28, 28), np.float32), layer="conv9")


def test_saliency(model, three):
    sal = I.saliency_map(model, three)
    assert sal.shape == (28, 28) and sal.dtype == np.float32
    assert sal.min() >= 0 and sal.max() == pytest.approx(1.0)
    smooth = I.saliency_map(model, three, target=8, smooth=6)
    assert smooth.shape == (28, 28) and smooth.max() == pytest.approx(1.0)
    assert all(p.grad is None for p in model.parameters())
    with pytest.raises(CnnExplorerError, match="target"):
        I.saliency_map(model, three, target=10)


def test_grad_cam_has_the_input_size_and_is_not_constant(model, three):
    cam = I.grad_cam(model, three)
    assert cam.heatmap.shape == (28, 28) and cam.layer == "4"  # the ReLU after the last conv
    assert cam.coarse.shape == (13, 13)
    assert cam.heatmap.max() == pytest.approx(1.0) and cam.heatmap.std() > 0.05
    assert cam.target == int(np.argmax(I.layer_activations(model, three).probabilities))
    other = I.grad_cam(model, three, target=(cam.target + 1) % 10, layer="0")
    assert other.heatmap.shape == (28, 28) and other.coarse.shape == (26, 26) and other.layer == "1"
    assert not np.allclose(other.heatmap, cam.heatmap)
    assert not cam.empty and cam.method == "gradcam"
    finer = I.grad_cam(model, three, method="layercam")
    assert finer.heatmap.shape == (28, 28) and finer.heatmap.std() > 0.05 and finer.method == "layercam"
    with pytest.raises(CnnExplorerError, match="no feature maps"):
        I.grad_cam(model, three, layer="7")
    with pytest.raises(CnnExplorerError, match="method"):
        I.grad_cam(model, three, method="cam++")
    assert _no_hooks(model) and all(p.grad is None for p in model.parameters())


def test_occlusion(model, three):
    occ = I.occlusion_map(model, three)
    assert occ.heatmap.shape == (28, 28) and occ.patch == 6 and occ.stride == 2
    assert occ.grid.shape == (12, 12)
    # The corner patch covers only background: no change; somewhere on the ink the class loses probability.
    assert occ.grid[0, 0] == pytest.approx(0.0, abs=1e-6)
    assert occ.grid.max() > 0.05
    assert 0 < occ.probability <= 1
    exact = I.occlusion_map(model, three, patch=4, stride=4, batch_size=5)
    assert exact.grid.shape == (7, 7)
    with pytest.raises(CnnExplorerError, match="patch"):
        I.occlusion_map(model, three, patch=40)
    with pytest.raises(CnnExplorerError, match="baseline"):
        I.occlusion_map(model, three, baseline=[0.0, 1.0])


def test_knocking_out_a_filter_changes_the_output_and_reset_restores_it_exactly(model, three):
    before_state = _state(model)
    before = I.layer_activations(model, three)
    with I.ModelEditor(model) as editor:
        editor.knock_out("3", 2)
        after = I.layer_activations(model, three)
        assert editor.knocked_out == {("3", 2)} and editor.edited
        assert not np.array_equal(after.logits, before.logits)
        assert np.all(after["4"][2] == 0) and np.array_equal(after["4"][1], before["4"][1])
        np.testing.assert_array_equal(after["3"][2], before["3"][2])  # the mask is where the map is final
        editor.knock_out("3", 2, off=False)
        np.testing.assert_array_equal(I.layer_activations(model, three).logits, before.logits)
        old = editor.set_weight("0", (1, 0, 1, 1), 5.0)
        assert old == pytest.approx(float(before_state["0.weight"][1, 0, 1, 1]))
        assert editor.weight("0", (1, 0, 1, 1)) == 5.0
        editor.set_weight("7", (3,), -2.0, param="bias")
        editor.knock_out("0", 0)
        assert not np.array_equal(I.layer_activations(model, three).logits, before.logits)
    assert _no_hooks(model) and not editor.edited
    for k, v in _state(model).items():
        assert torch.equal(v, before_state[k]), k
    np.testing.assert_array_equal(I.layer_activations(model, three).logits, before.logits)


def test_editor_refuses_bad_requests(model):
    editor = I.ModelEditor(model)
    with pytest.raises(CnnExplorerError, match="filters 0..5"):
        editor.knock_out("0", 6)
    with pytest.raises(CnnExplorerError, match="not a convolution"):
        editor.knock_out("7", 0)
    with pytest.raises(CnnExplorerError, match="index"):
        editor.set_weight("0", (0, 0, 3, 0), 1.0)
    with pytest.raises(CnnExplorerError, match="finite"):
        editor.set_weight("0", (0, 0, 0, 0), float("nan"))
    assert not editor.edited


def test_filter_weights_is_a_copy(model):
    w = I.filter_weights(model, "3", 4)
    assert w.shape == (6, 3, 3)
    w[:] = 0
    assert float(model[3].weight[4].detach().abs().sum()) > 0


@pytest.mark.parametrize("layer, index", [(None, 3), ("3", 5)])
def test_activation_maximization_raises_the_target(model, layer, index):
    frames = list(I.maximize_activation(model, (28, 28, 1), layer=layer, index=index, steps=60, every=20,
                                        mean=MEAN, std=STD))
    assert [f.step for f in frames] == [0, 20, 40, 60] and frames[-1].done and not frames[0].done
    assert frames[-1].image.shape == (28, 28) and 0 <= frames[-1].image.min() <= frames[-1].image.max() <= 1
    assert frames[-1].activation > frames[0].activation + 0.5
    # The reported value is the real one on that picture.
    x = torch.from_numpy(((frames[-1].image - MEAN[0]) / STD[0])[None, None].astype(np.float32))
    with torch.no_grad():
        real = model(x)[0, index] if layer is None else model[:4](x)[0, index].mean()
    assert frames[-1].activation == pytest.approx(float(real), rel=1e-4, abs=1e-4)
    assert _no_hooks(model) and all(p.grad is None for p in model.parameters())


def test_activation_maximization_stops_when_cancelled(model):
    cancel = threading.Event()
    frames = []
    for frame in I.maximize_activation(model, (28, 28, 1), layer="0", index=1, steps=500, every=5, cancel=cancel):
        frames.append(frame)
        if frame.step >= 10:
            cancel.set()
    assert frames[-1].step == 10 and not frames[-1].done
    assert _no_hooks(model) and not model.training
    with pytest.raises(CnnExplorerError, match="channels 0..5"):
        list(I.maximize_activation(model, (28, 28, 1), layer="0", index=6, steps=2))


def test_receptive_fields_match_the_gradient_support(model):
    # The same geometry, made linear (ReLU and max-pool route gradients to fewer pixels than they see).
    nn = torch.nn
    linear = nn.Sequential(model[0], nn.Identity(), nn.AvgPool2d(2), model[3], nn.Identity(), nn.AvgPool2d(2))
    x = torch.zeros(1, 1, 28, 28, requires_grad=True)
    for layer, i, j in (("0", 5, 7), ("3", 4, 9), ("3", 0, 0), ("5", 2, 3)):
        rf = I.receptive_field(model, layer)
        out = linear[:int(layer) + 1](x)
        (g,) = torch.autograd.grad(out[0, :, i, j].sum(), x)
        rows = np.flatnonzero(g[0, 0].abs().sum(1).numpy() > 0)
        cols = np.flatnonzero(g[0, 0].abs().sum(0).numpy() > 0)
        r0, r1, c0, c1 = rf.window(i, j)
        assert (rows[0], rows[-1] + 1) == (max(r0, 0), min(r1, 28)), layer
        assert (cols[0], cols[-1] + 1) == (max(c0, 0), min(c1, 28)), layer
    assert I.receptive_field(model, "3") == I.ReceptiveField((8, 8), (2, 2), (-2, -2))
    with pytest.raises(CnnExplorerError, match="no receptive field"):
        I.receptive_field(model, "7")


def test_top_patches_per_filter(model):
    images, _ = load_mnist_sample()
    images = images[:600]
    calls = []
    found = I.top_patches(model, images, k=4, mean=MEAN, std=STD, batch_size=256,
                          progress=lambda done, total: calls.append((done, total)))
    assert calls == [(256, 600), (512, 600), (600, 600)]
    assert set(found) == {"0", "3"}
    first, second = found["0"], found["3"]
    assert first.values.shape == (6, 4) and first.patches.shape == (6, 4, 3, 3)
    assert second.values.shape == (12, 4) and second.patches.shape == (12, 4, 8, 8)
    assert np.all(np.diff(second.values, axis=1) <= 0)  # best first
    assert all(len(set(row)) == 4 for row in second.images)  # one patch per picture
    # The value is the filter's response at that cell, and the patch is the picture's window there.
    f, rank = 7, 0
    i, (r, c) = second.images[f, rank], second.positions[f, rank]
    x = torch.from_numpy((images[i:i + 1].astype(np.float32) / 255 - MEAN[0]) / STD[0]).permute(0, 3, 1, 2)
    with torch.no_grad():
        out = model[:4](x)[0, f]
    assert float(out.max()) == pytest.approx(float(second.values[f, rank]), rel=1e-5)
    assert float(out[r, c]) == pytest.approx(float(second.values[f, rank]), rel=1e-5)
    r0, r1, c0, c1 = second.field.window(r, c)
    padded = np.pad(images[i, ..., 0].astype(np.float32) / 255, 2)
    np.testing.assert_allclose(second.patches[f, rank], padded[r0 + 2:r1 + 2, c0 + 2:c1 + 2], atol=1e-6)
    few = I.top_patches(model, images[:2], layers=["3"], k=3, mean=MEAN, std=STD)["3"]
    assert few.values.shape == (12, 3) and np.isinf(few.values[:, 2]).all() and (few.images[:, 2] == -1).all()
    with pytest.raises(CnnExplorerError, match="not a convolution"):
        I.top_patches(model, images, layers=["1"])
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(CnnExplorerError, match="cancelled"):
        I.top_patches(model, images, cancel=cancel)
    assert _no_hooks(model)


def test_hooks_ignore_other_threads(model, three):
    """A worker's feature visualization must not disturb the GUI thread's passes through the same model."""
    frames = I.maximize_activation(model, (28, 28, 1), layer="0", index=0, steps=5, every=1)
    next(frames)  # the worker's hooks are now in place
    result = []
    t = threading.Thread(target=lambda: result.append(I.layer_activations(model, three)))
    t.start()
    t.join()
    assert result and result[0].probabilities.shape == (10,)
    frames.close()
    assert _no_hooks(model)


def test_batchnorm_models_rank_and_optimise_after_the_norm():
    """With a negative BatchNorm scale, "most active" is read after the norm, where the ReLU sees it."""
    nn = torch.nn
    torch.manual_seed(1)
    net = nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 26 * 26, 2))
    with torch.no_grad():
        net[1].weight.copy_(torch.tensor([-1.0, 1.0, 2.0]))
        net[1].running_mean.fill_(0.1)
    net.eval()
    images = np.random.default_rng(0).integers(0, 256, (20, 28, 28, 1), dtype=np.uint8)
    found = I.top_patches(net, images, k=2)["0"]
    x = torch.from_numpy(images.astype(np.float32) / 255).permute(0, 3, 1, 2)
    with torch.no_grad():
        normed = net[:2](x)[:, 0].flatten(1).amax(1)  # channel 0 after the norm
    assert found.values[0, 0] == pytest.approx(float(normed.max()), rel=1e-5)
    assert found.images[0, 0] == int(normed.argmax())
    frames = list(I.maximize_activation(net, (28, 28, 1), layer="0", index=0, steps=30, every=30))
    assert frames[-1].activation > frames[0].activation


def test_bad_normalisation_is_named(model):
    with pytest.raises(CnnExplorerError, match="std: must be positive"):
        next(I.maximize_activation(model, (28, 28, 1), std=(0.0,)))
    with pytest.raises(CnnExplorerError, match="mean: expected 1 or 1"):
        I.top_patches(model, np.zeros((2, 28, 28, 1), np.uint8), mean=(0.1, 0.2))
    assert _no_hooks(model)


@pytest.fixture(scope="module")
def bundled():
    return load_model("mnist")


@pytest.mark.parametrize("digit", [2, 7])
def test_the_bundled_model_explained(bundled, digit):
    model = bundled.model
    inp = prepare_input(draw_digit(digit), bundled.spec.input_shape, bundled.mean, bundled.std)
    acts = I.layer_activations(model, inp)
    assert acts.predicted == digit
    cam = I.grad_cam(model, inp)
    assert cam.layer == "relu5" and cam.heatmap.shape == (28, 28) and cam.heatmap.std() > 0.01
    finer = I.grad_cam(model, inp, layer="conv4")
    assert finer.heatmap.shape == (28, 28) and finer.heatmap.std() > 0.05 and finer.target == digit
    with I.ModelEditor(model) as editor:
        editor.knock_out("conv2", 3)
        one = I.layer_activations(model, inp)
        assert np.abs(one.logits - acts.logits).max() > 1e-3 and np.all(one["relu2"][3] == 0)
        for channel in range(32):
            editor.knock_out("conv2", channel)
        none = I.layer_activations(model, inp)  # no conv2 filter left: the drawing no longer matters
        assert np.abs(none.probabilities - acts.probabilities).max() > 0.1
    np.testing.assert_array_equal(I.layer_activations(model, inp).logits, acts.logits)
    frames = list(I.maximize_activation(model, (28, 28, 1), index=digit, steps=40, every=40,
                                        mean=bundled.mean, std=bundled.std))
    assert frames[-1].activation > frames[0].activation + 1.0


def test_grad_cam_cells_sit_at_their_receptive_field_centres():
    """A valid conv's 2x2 map covers the middle of a 6x6 input: each cell lands on its window's centre."""
    field = ReceptiveField(size=(5, 5), stride=(1, 1), start=(0, 0))  # two valid 3x3 convs on 6x6 -> 2x2
    coarse = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    heat = place_on_input(coarse, field, (6, 6))
    assert heat.shape == (6, 6)
    assert heat[2, 2] == 1.0 and heat[3, 3] == 0.0  # centres of cells (0, 0) and (1, 1)
    assert heat[0, 0] == 1.0  # beyond the outermost centre the edge value is kept
    np.testing.assert_allclose(heat[2, 3], 0.0)
    # a 2x2 stride-2 pool: cell centres at pixels 0.5 and 2.5, linear in between
    field = ReceptiveField(size=(2, 2), stride=(2, 2), start=(0, 0))
    heat = place_on_input(torch.tensor([[0.0, 1.0]]), field, (2, 4))
    np.testing.assert_allclose(heat[0], [0.0, 0.25, 0.75, 1.0])

"""The reference VAE (course.vae, generated from assignment 04) as course.vae_training trains and loads it."""
import keras
import numpy as np
import pytest

from course import data, runtime, vae_training


def test_networks_have_the_appendix_c_shapes():
    encoder, decoder = vae_training.build(20, 500)
    mu, log_var = encoder(np.zeros((3, 784), np.float32))
    assert mu.shape == log_var.shape == (3, 20)
    assert decoder(np.zeros((3, 20), np.float32)).shape == (3, 784)
    assert encoder.count_params() == 784 * 500 + 500 + 2 * (500 * 20 + 20)
    assert decoder.count_params() == 20 * 500 + 500 + 500 * 784 + 784


def test_compiled_epochs_raise_the_elbo_of_a_small_model():
    runtime.seed_everything(0)
    x = data.load_mnist().x_train[:1000]
    encoder, decoder = vae_training.build(2, 64)
    before = vae_training.mean_elbo(x, encoder, decoder)
    curves = vae_training.train(encoder, decoder, x, epochs=3, x_test=x[:200], learning_rate=3e-3)
    after = vae_training.mean_elbo(x, encoder, decoder)
    assert after > before + 50
    assert curves["train"][0] == [1, 2, 3] and len(curves["test"][1]) == 3
    assert curves["seconds"][0] == [1, 2, 3] and all(seconds > 0 for seconds in curves["seconds"][1])


def test_weights_round_trip_through_the_npz_format(tmp_path, monkeypatch):
    runtime.seed_everything(1)
    encoder, decoder = vae_training.build(2, 16)
    monkeypatch.setattr(vae_training, "PRETRAINED_DIR", tmp_path)
    vae_training.save_weights(vae_training.pretrained_path(2), encoder, decoder)
    loaded_encoder, loaded_decoder = vae_training.load_pretrained(2)
    x = np.random.default_rng(0).random((4, 784)).astype(np.float32)
    np.testing.assert_allclose(loaded_encoder(x)[0], encoder(x)[0], rtol=1e-6)
    np.testing.assert_allclose(loaded_decoder(np.ones((2, 2), np.float32)), decoder(np.ones((2, 2), np.float32)), rtol=1e-6)


def test_a_missing_pretrained_model_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="train_pretrained_vae"):
        vae_training.load_pretrained(latent_dim=7)


@pytest.mark.parametrize("latent_dim", [2, 20])
def test_the_shipped_pretrained_models_load_and_are_trained(latent_dim):
    encoder, decoder = vae_training.load_pretrained(latent_dim)
    x = data.load_mnist().x_test[:500]
    assert vae_training.mean_elbo(x, encoder, decoder) > (-160 if latent_dim == 2 else -100)
    assert isinstance(encoder, keras.Model)

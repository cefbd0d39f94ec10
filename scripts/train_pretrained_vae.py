"""Train the pretrained VAEs that the course ships (course/_data/vae_latent{2,20}.npz), reproducibly.

Usage: COURSE_DATA_DIR=/path/to/mnist-folder python scripts/train_pretrained_vae.py [--epochs 50] [--latent 2 20]

Uses the course's reference VAE (course.vae, trained by course.vae_training) at the notebook defaults: 500 tanh
hidden units, Adam with a cosine-decayed learning rate, minibatches of 100, MNIST
thresholded at 0.5, seeded.
"""
import argparse
import time

from course import data, runtime, vae_training


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--latent", type=int, nargs="+", default=[2, 20])
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    args = parser.parse_args()
    mnist = data.load_mnist(binarize="threshold")
    print(f"data: {mnist.source}")
    for latent_dim in args.latent:
        runtime.seed_everything(latent_dim)
        encoder, decoder = vae_training.build(latent_dim)
        start = time.perf_counter()
        vae_training.train(encoder, decoder, mnist.x_train, args.epochs, learning_rate=args.learning_rate, progress=True)
        seconds = time.perf_counter() - start
        vae_training.save_weights(vae_training.pretrained_path(latent_dim), encoder, decoder)
        print(f"latent {latent_dim}: {args.epochs} epochs in {seconds:.0f} s, "
              f"test ELBO {vae_training.mean_elbo(mnist.x_test, encoder, decoder):.2f} nats -> {vae_training.pretrained_path(latent_dim).name}")


if __name__ == "__main__":
    main()

"""Cut the bundled offline MNIST subset from a Keras-layout ``mnist.npz``.

Usage: python scripts/make_mnist_subset.py PATH/TO/mnist.npz

Keeps the first 10,000 training and the first 2,000 test digits (the canonical
order, so the cut is reproducible from any copy of MNIST) as compressed uint8.
"""
import argparse
import hashlib
from pathlib import Path

import numpy as np

N_TRAIN, N_TEST = 10_000, 2_000
OUT = Path(__file__).resolve().parents[1] / "course" / "_data" / "mnist_subset.npz"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mnist", type=Path, help="Keras-layout mnist.npz (x_train, y_train, x_test, y_test)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    with np.load(args.mnist) as full:
        subset = {
            "x_train": full["x_train"][:N_TRAIN].astype(np.uint8),
            "y_train": full["y_train"][:N_TRAIN].astype(np.uint8),
            "x_test": full["x_test"][:N_TEST].astype(np.uint8),
            "y_test": full["y_test"][:N_TEST].astype(np.uint8),
        }
    np.savez_compressed(args.out, **subset)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB, sha256 {digest[:16]}...)")
    for key, value in subset.items():
        print(f"  {key}: {value.shape} {value.dtype}")


if __name__ == "__main__":
    main()

"""Training-step speed of multi-head self-attention: ours against Keras's.

For the backend in `KERAS_BACKEND`, this times one training step of a small
Keras model, `Input((length, dim)) -> MHA(x, x) -> output`, compiled with
`model.compile(optimizer="adam", loss="mse", jit_compile=...)` (`True` on
TensorFlow and JAX, `False` on PyTorch) and run with `model.train_on_batch`:

- "keras": `keras.layers.MultiHeadAttention`,
- "ours": `attention_zoo.layers.MultiHeadAttention`,
- "reference" (with `--reference DIR`): the `MultiHeadAttention` of another
  checkout, for example a `git worktree` of an earlier commit, to compare
  two versions of our layer in one run. Only its
  `attention_zoo/layers/multi_head_attention.py` is loaded; the modules it
  imports (`attention_zoo.ops`, ...) come from this checkout.
- "torch_native" (PyTorch only): `torch.nn.MultiheadAttention` with the same
  sizes, forward + MSE loss + backward + `torch.optim.Adam` step, in plain
  PyTorch,
- "matmul": a float32 matmul of the size of the fused query/key/value
  projection, `(batch * length, dim) @ (dim, 3 * heads * key_dim)`, compiled
  by the backend, once as one 2-D matmul and once as 8 of them batched; the
  faster gives the GFLOP/s this machine reaches on dense matmuls.

After a warm-up (compilation), the contenders run in interleaved rounds,
`--steps` steps each per round, in an order that reverses every round, so a
slow phase of a shared machine hits all of them alike. Reported: per-step
medians over the rounds, and the speedup of ours over Keras as the ratio of
medians and as the median of the per-round ratios.

FLOPs of one training step (`step_gflop`) follow the usual convention: the
four projections and the two attention matmuls of the forward pass, times 3
for forward + backward. `step_gflop_executed` is what is really computed:
the model's input needs no gradient, so the backward pass skips the input
gradient of the query/key/value projection. Achieved GFLOP/s and the
fraction of the matmul's GFLOP/s use `step_gflop`.

Prints one JSON object. Run from the repository root:

    KERAS_BACKEND=jax .venv/bin/python benchmarks/layer_speed.py
    KERAS_BACKEND=tensorflow .venv/bin/python benchmarks/layer_speed.py
    KERAS_BACKEND=torch .venv/bin/python benchmarks/layer_speed.py --quick

Before and after a change to the layer:

    git worktree add /tmp/before HEAD
    KERAS_BACKEND=jax .venv/bin/python benchmarks/layer_speed.py \
        --reference /tmp/before
"""

import argparse
import importlib.util
import json
import os
import platform
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402

from attention_zoo.layers import MultiHeadAttention  # noqa: E402

BACKEND = keras.backend.backend()
JIT_COMPILE = BACKEND != "torch"
MATMUL_BATCH = 8


def parse_args():
    parser = argparse.ArgumentParser(
        description="Training-step speed of ours vs keras MultiHeadAttention."
    )
    parser.add_argument(
        "--quick", action="store_true", help="5 rounds of 2 steps"
    )
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--steps", type=int, default=3, help="steps per round")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--dim", type=int, default=256)
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--key-dim", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--reference",
        metavar="DIR",
        help="also time the MultiHeadAttention of the checkout in DIR",
    )
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.steps, args.warmup = 5, 2, 2
    return args


# FLOPs -----------------------------------------------------------------------


def step_flops(args):
    """`(convention, executed)` FLOPs of one training step."""
    tokens = args.batch * args.length
    inner = args.heads * args.key_dim
    qkv = 2 * tokens * args.dim * 3 * inner
    output = 2 * tokens * inner * args.dim
    attention = 2 * 2 * args.batch * args.heads * args.length**2 * args.key_dim
    forward = qkv + output + attention
    # Backward: kernel gradients of all projections, the input gradient of
    # the output projection, and four attention products (dq, dk, dv, dp).
    executed = forward + qkv + 2 * output + 2 * attention
    return 3 * forward, executed


# Contenders ------------------------------------------------------------------


def keras_step(layer, args, x, y):
    """A compiled `train_on_batch` of `Input -> layer(x, x)`."""
    inputs = keras.Input((args.length, args.dim), batch_size=args.batch)
    model = keras.Model(inputs, layer(inputs, inputs))
    model.compile(optimizer="adam", loss="mse", jit_compile=JIT_COMPILE)
    return lambda: model.train_on_batch(x, y)  # returns NumPy: synchronous


def reference_layer_class(checkout):
    """`MultiHeadAttention` as defined in another checkout's source file."""
    path = os.path.join(
        checkout, "attention_zoo", "layers", "multi_head_attention.py"
    )
    spec = importlib.util.spec_from_file_location("reference_mha", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.MultiHeadAttention


def torch_native_step(args, x, y):
    """Forward, loss, backward, Adam: `torch.nn.MultiheadAttention`."""
    import torch

    layer = torch.nn.MultiheadAttention(args.dim, args.heads, batch_first=True)
    assert layer.head_dim == args.key_dim, "dim / heads must equal key_dim"
    optimizer = torch.optim.Adam(layer.parameters())
    x, y = torch.from_numpy(x), torch.from_numpy(y)

    def step():
        optimizer.zero_grad(set_to_none=True)
        output, _ = layer(x, x, x, need_weights=False)
        loss = torch.nn.functional.mse_loss(output, y)
        loss.backward()
        optimizer.step()
        return float(loss)

    return step


def matmul_steps(args, rng):
    """Compiled `(tokens, dim) @ (dim, 3 * heads * key_dim)` callables.

    Returns `{name: (callable, flops)}` for one 2-D matmul and for
    `MATMUL_BATCH` of them batched (which some backends spread over more
    cores than a single one).
    """
    m, k, n = args.batch * args.length, args.dim, 3 * args.heads * args.key_dim
    a = rng.standard_normal((MATMUL_BATCH, m, k)).astype("float32")
    b = rng.standard_normal((k, n)).astype("float32")
    if BACKEND == "tensorflow":
        import tensorflow as tf

        fn = tf.function(jit_compile=True)(tf.matmul)
        a, b = tf.constant(a), tf.constant(b)

        def run(a):
            return lambda: fn(a, b).numpy()

    elif BACKEND == "jax":
        import jax

        fn = jax.jit(jax.numpy.matmul)
        a, b = jax.numpy.asarray(a), jax.numpy.asarray(b)

        def run(a):
            return lambda: fn(a, b).block_until_ready()

    else:
        import torch

        a, b = torch.from_numpy(a), torch.from_numpy(b)

        def run(a):
            return lambda: torch.matmul(a, b)

    flops = 2 * m * k * n
    return {
        "matmul_2d": (run(a[0]), flops),
        "matmul_batched": (run(a), MATMUL_BATCH * flops),
    }


def versions():
    found = {
        "python": platform.python_version(),
        "keras": keras.__version__,
        "numpy": np.__version__,
    }
    if BACKEND == "tensorflow":
        import tensorflow as tf

        found["tensorflow"] = tf.__version__
    elif BACKEND == "jax":
        import jax

        found["jax"] = jax.__version__
    else:
        import torch

        found["torch"] = torch.__version__
        found["torch_threads"] = torch.get_num_threads()
    found["cpu_count"] = os.cpu_count()
    return found


# Timing ----------------------------------------------------------------------


def timed(step, steps):
    """Seconds per call of `step`, over `steps` calls."""
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps


def interleaved(contenders, args):
    """`{name: [seconds per step, one per round]}`, after a warm-up."""
    for step in contenders.values():
        timed(step, args.warmup)
    names = list(contenders)
    times = {name: [] for name in names}
    for round_ in range(args.rounds):
        for name in names if round_ % 2 == 0 else names[::-1]:
            times[name].append(timed(contenders[name], args.steps))
    return times


def ms(seconds):
    return round(seconds * 1e3, 2)


def run(args):
    keras.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    shape = (args.batch, args.length, args.dim)
    x = rng.standard_normal(shape).astype("float32")
    y = rng.standard_normal(shape).astype("float32")
    sizes = {"num_heads": args.heads, "key_dim": args.key_dim}
    contenders = {
        "keras": keras_step(
            keras.layers.MultiHeadAttention(**sizes), args, x, y
        ),
        "ours": keras_step(MultiHeadAttention(**sizes), args, x, y),
    }
    if args.reference:
        reference = reference_layer_class(args.reference)(**sizes)
        contenders["reference"] = keras_step(reference, args, x, y)
    if BACKEND == "torch":
        contenders["torch_native"] = torch_native_step(args, x, y)
    layers = list(contenders)
    matmuls = matmul_steps(args, rng)
    contenders.update({name: fn for name, (fn, _) in matmuls.items()})

    times = interleaved(contenders, args)
    median = {name: statistics.median(t) for name, t in times.items()}
    matmul_gflops = {
        name: flops / median[name] / 1e9 for name, (_, flops) in matmuls.items()
    }
    reference = max(matmul_gflops.values())
    flops, executed = step_flops(args)
    gflops = {name: flops / median[name] / 1e9 for name in layers}

    def speedup(slow, fast):
        per_round = [s / f for s, f in zip(times[slow], times[fast])]
        return {
            "ratio_of_medians": round(median[slow] / median[fast], 3),
            "median_of_round_ratios": round(statistics.median(per_round), 3),
        }

    result = {
        "backend": BACKEND,
        "versions": versions(),
        "shapes": {
            "batch": args.batch,
            "length": args.length,
            "dim": args.dim,
            "heads": args.heads,
            "key_dim": args.key_dim,
            "matmul": f"({args.batch * args.length}x{args.dim}) @ "
            f"({args.dim}x{3 * args.heads * args.key_dim}), "
            f"2-D and {MATMUL_BATCH} batched",
        },
        "jit_compile": JIT_COMPILE,
        "rounds": args.rounds,
        "steps_per_round": args.steps,
        "median_ms": {name: ms(m) for name, m in median.items()},
        "min_ms": {name: ms(min(t)) for name, t in times.items()},
        "speedup_ours_vs_keras": speedup("keras", "ours"),
    }
    if args.reference:
        result["reference"] = os.path.abspath(args.reference)
        result["speedup_reference_vs_keras"] = speedup("keras", "reference")
        result["speedup_ours_vs_reference"] = speedup("reference", "ours")
    if BACKEND == "torch":
        result["speedup_ours_vs_torch_native"] = speedup("torch_native", "ours")
    result.update(
        {
            "step_gflop": round(flops / 1e9, 3),
            "step_gflop_executed": round(executed / 1e9, 3),
            "matmul_gflops": {n: round(g, 1) for n, g in matmul_gflops.items()},
            "gflops": {name: round(g, 1) for name, g in gflops.items()},
            "fraction_of_matmul": {
                name: round(g / reference, 3) for name, g in gflops.items()
            },
        }
    )
    return result


if __name__ == "__main__":
    print(json.dumps(run(parse_args()), indent=2))

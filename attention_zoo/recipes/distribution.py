"""Data-parallel training on the engines Keras already uses.

Under `data_parallel()`, a model built, compiled and fit trains with each
batch split over all local devices, gradients averaged:

- JAX: `keras.distribution.DataParallel` over `keras.distribution.
  list_devices()`.
- TensorFlow: `tf.distribute.MirroredStrategy` over the GPUs, or over the
  logical CPU devices when there is no GPU.
- PyTorch: not supported here; use `torch.distributed` (DDP) directly, or
  run the same script on JAX or TensorFlow.

Several hosts: on JAX call `keras.distribution.initialize()` (coordinator
address, number of processes, process id) at the start of every process,
then use `data_parallel()` as on one host: `list_devices()` then lists the
devices of all hosts. On TensorFlow use
`tf.distribute.MultiWorkerMirroredStrategy()` with `TF_CONFIG` set on
each worker, and pass it as `strategy=`.
"""

import contextlib

import keras


def _tensorflow_devices():
    import tensorflow as tf  # only on the TensorFlow backend

    gpus = tf.config.list_logical_devices("GPU")
    devices = gpus or tf.config.list_logical_devices("CPU")
    return [device.name for device in devices]


@contextlib.contextmanager
def data_parallel(devices=None, strategy=None):
    """Context manager: build, compile and fit data-parallel inside it.

    Args:
        devices: device names to use; defaults to all local accelerators
            (or all CPU devices when there is none).
        strategy: TensorFlow only: a ready `tf.distribute.Strategy`
            (`MultiWorkerMirroredStrategy` for several hosts).

    Yields:
        The `keras.distribution.DataParallel` (JAX) or the
        `tf.distribute.Strategy` (TensorFlow) in use.

    Example (JAX, two virtual CPU devices)::

        # XLA_FLAGS=--xla_force_host_platform_device_count=2
        with data_parallel():
            model = build_model()
            model.compile(...)
            model.fit(x, y, batch_size=64)  # 32 examples per device
    """
    backend = keras.backend.backend()
    if backend == "jax":
        devices = devices or keras.distribution.list_devices()
        distribution = keras.distribution.DataParallel(devices=devices)
        previous = keras.distribution.distribution()
        keras.distribution.set_distribution(distribution)
        try:
            yield distribution
        finally:
            keras.distribution.set_distribution(previous)
    elif backend == "tensorflow":
        import tensorflow as tf  # only on the TensorFlow backend

        if strategy is None:
            strategy = tf.distribute.MirroredStrategy(
                devices or _tensorflow_devices()
            )
        with strategy.scope():
            yield strategy
    else:
        raise RuntimeError(
            f"data_parallel() supports the jax and tensorflow backends; the "
            f"current backend is {backend!r}. Set KERAS_BACKEND=jax or "
            "KERAS_BACKEND=tensorflow, or use torch.distributed (DDP) "
            "yourself on PyTorch."
        )

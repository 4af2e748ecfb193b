"""lstm_core: everything LSTM Lab computes, with no UI.

Importing this package is cheap: TensorFlow is imported only by the modules
that train or run a model (``model``, ``training``, ``runs``, ``gates``).

    from lstm_core.config import ExperimentConfig
    from lstm_core.pipeline import train_run
    run = train_run(ExperimentConfig())
"""

__version__ = "0.1.0"

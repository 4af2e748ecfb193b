import json

import pytest

from lstm_core.config import (DataConfig, ExperimentConfig, ModelConfig, PreprocessConfig,
                              SequenceConfig, TrainConfig)


def test_defaults_round_trip_through_json():
    cfg = ExperimentConfig()
    again = ExperimentConfig.from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert again == cfg


def test_tutorial_preset_is_the_notebook():
    t = ExperimentConfig.tutorial()
    assert (t.model.embedding_dim, t.model.units, t.model.dense_units) == (300, 100, 100)
    assert (t.model.l1, t.model.l2, t.model.dropout) == (0.01, 0.01, 0.25)
    assert (t.train.learning_rate, t.train.batch_size, t.train.patience) == (1e-3, 128, 3)
    assert t.train.monitor == "val_loss"
    assert t.preprocess.keep_negations is False and t.preprocess.html_as_space is False
    assert t.sequence.max_len == 891


@pytest.mark.parametrize("make, field, value", [
    (lambda v: ModelConfig(units=v), "model.units", 0),
    (lambda v: ModelConfig(units=v), "model.units", 3.5),
    (lambda v: ModelConfig(cell=v), "model.cell", "lstmx"),
    (lambda v: ModelConfig(dropout=v), "model.dropout", 1.5),
    (lambda v: TrainConfig(learning_rate=v), "train.learning_rate", 0),
    (lambda v: TrainConfig(validation_split=v), "train.validation_split", 0.9),
    (lambda v: TrainConfig(batch_size=v), "train.batch_size", True),
    (lambda v: SequenceConfig(max_len=v), "sequence.max_len", -1),
    (lambda v: SequenceConfig(keep=v), "sequence.keep", "middle"),
    (lambda v: PreprocessConfig(lemmatize=v), "preprocess.lemmatize", "yes"),
    (lambda v: DataConfig(source=v), "data.source", ""),
    (lambda v: DataConfig(per_class=v), "data.per_class", 0),
])
def test_bad_values_name_the_field_and_echo_the_value(make, field, value):
    with pytest.raises(ValueError) as e:
        make(value)
    assert field in str(e.value) and repr(value) in str(e.value)


def test_from_dict_rejects_unknown_fields_and_sections():
    with pytest.raises(ValueError, match="model"):
        ExperimentConfig.from_dict({"model": {"unitz": 3}})
    with pytest.raises(ValueError, match="sections"):
        ExperimentConfig.from_dict({"modle": {}})
    with pytest.raises(ValueError, match="mapping"):
        ExperimentConfig.from_dict([1, 2])


def test_replace_and_diff():
    a = ExperimentConfig()
    b = a.replace(train={"seed": 7}, model={"cell": "gru"})
    assert b.train.seed == 7 and b.model.cell == "gru" and a.train.seed == 42
    assert a.diff(b) == {"train.seed": (42, 7), "model.cell": ("lstm", "gru")}
    with pytest.raises(ValueError, match="train.max_epochs"):
        a.replace(train={"max_epochs": 0})


def test_a_refused_setting_is_a_keyed_error_in_both_languages():
    from lstm_core.config import ConfigError
    from lstm_core.i18n import text

    with pytest.raises(ConfigError) as refused:
        ModelConfig(units=0)
    e = refused.value
    assert isinstance(e, ValueError) and str(e) == "model.units must be an integer in [1, 1024], got 0"
    assert e.key == "config.integer" and text("ja", e.key, **e.fields) == \
        "model.units は 1 以上 1024 以下の整数にしてください（指定された値: 0）"
    with pytest.raises(ConfigError, match="must be one of lstm, gru, rnn, got 'x'"):
        ModelConfig(cell="x")

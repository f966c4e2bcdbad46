"""Hypothesis strategies for the labelling options of axolotl's ``chat_template`` strategy."""

from __future__ import annotations

from hypothesis import strategies as st

END_RULES = ["turn", "all", "last", "none"]
# ``train_on_inputs`` (a config key), and the dataset keys that decide a turn's labels.
LABEL_OPTIONS = {
    "train_on_inputs": st.booleans(),
    "roles_to_train": st.sampled_from([["assistant"], ["assistant", "user"]]),
    "train_on_eos": st.sampled_from(END_RULES),
    "train_on_eot": st.sampled_from([None, *END_RULES]),
    "message_field_training": st.sampled_from([None, "train"]),
}

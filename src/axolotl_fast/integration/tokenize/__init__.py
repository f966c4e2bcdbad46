"""Axolotl's tokenization strategies run by the Rust tokenizer (``axolotl_fast.Encoder``).

* :mod:`~axolotl_fast.integration.tokenize.instruction`: the alpaca family of
  ``InstructionPromptTokenizingStrategy``, from the strategy object axolotl built;
* :mod:`~axolotl_fast.integration.tokenize.completion`: ``type: completion`` (the ids cut
  into ``sequence_len`` pieces);
* :mod:`~axolotl_fast.integration.tokenize.paths`: which of them reproduces a strategy.

Each module takes axolotl's own strategy and prompter objects and reads the templates,
lengths and token ids from them, so the configuration is axolotl's by construction; what it
cannot reproduce exactly raises :class:`~axolotl_fast.integration.tokenize.instruction.Unsupported`
with the reason, and the caller keeps axolotl's strategy.
"""

# Sourced by the workflow scripts: run from the repository root, offline Hugging Face, and
# `venv` set to the cached Python >= 3.12 venv with axolotl 0.21 (built on first use).
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 \
  AXOLOTL_DO_NOT_TRACK=1 WANDB_MODE=disabled
venv=$(bash scripts/venv.sh)

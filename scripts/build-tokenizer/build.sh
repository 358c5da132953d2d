#!/usr/bin/env bash
# Reproduces data/tokenizer/ from the shipped training corpora:
#   npm run build:tokenizer
# Python `tokenizers` (pinned) lives in a project-local venv, .tools/py-venv (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=.tools/py-venv
TOKENIZERS_VERSION=0.23.3
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
if ! "$VENV/bin/python" -c "import tokenizers, sys; sys.exit(tokenizers.__version__ != '$TOKENIZERS_VERSION')" 2>/dev/null; then
  "$VENV/bin/pip" install --quiet "tokenizers==$TOKENIZERS_VERSION"
fi
"$VENV/bin/python" scripts/build-tokenizer/train-tokenizer.py --out data/tokenizer --vocab-size 8192 \
  data/corpora/*/train.jsonl

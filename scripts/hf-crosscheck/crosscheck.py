"""Reference side of the engine <-> Hugging Face transformers cross-check.

  crosscheck.py make <out_dir>     random tiny HF models (save_pretrained, safetensors) + logits
  crosscheck.py check <folder>...  load engine-written folders in transformers, compare logits
  crosscheck.py make-small <dir>   the same models at the committed reference size (CI fixtures)
  crosscheck.py logits <folder>... write transformers' logits of each folder to its expected.json

Driven by scripts/hf-crosscheck/run.ts (`npm run crosscheck:hf`); prints one JSON line per model.
"""

import json
import sys
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

TOKENS = [[3, 17, 42, 99, 5, 64, 7, 81, 23, 2, 50, 11], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]]

COMMON = dict(
    vocab_size=128,
    hidden_size=64,
    intermediate_size=96,
    num_hidden_layers=3,
    num_attention_heads=4,
    max_position_embeddings=64,
    rms_norm_eps=1e-6,
    initializer_range=0.1,
)


# The committed reference folders (test/fixtures/hf-reference): small enough that all eight
# folders stay a few hundred KB, with every feature the full-size cross-check exercises.
SMALL = dict(COMMON, vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=2)


def configs(common=COMMON):
    yield "llama-gqa", LlamaForCausalLM, LlamaConfig(**common, num_key_value_heads=2)
    yield "llama-tied", LlamaForCausalLM, LlamaConfig(**common, num_key_value_heads=4, tie_word_embeddings=True)
    yield "qwen2-bias", Qwen2ForCausalLM, Qwen2Config(**common, num_key_value_heads=2, tie_word_embeddings=False)
    yield "llama3-rope", LlamaForCausalLM, LlamaConfig(
        **common,
        num_key_value_heads=1,
        rope_theta=500000.0,
        rope_scaling=dict(
            rope_type="llama3",
            factor=8.0,
            low_freq_factor=1.0,
            high_freq_factor=4.0,
            original_max_position_embeddings=16,
        ),
    )


def tokens_for(model):
    """TOKENS inside the model's vocabulary (the small reference models have 64 ids)."""
    return [[t % model.config.vocab_size for t in row] for row in TOKENS]


def logits_of(model):
    with torch.no_grad():
        return model(input_ids=torch.tensor(tokens_for(model))).logits.float()


def make(out_dir: Path, common=COMMON):
    torch.manual_seed(0)
    for name, cls, config in configs(common):
        model = cls(config).float().eval()
        with torch.no_grad():  # norms and biases away from 1 and 0, so they are exercised
            for pname, p in model.named_parameters():
                if p.ndim == 1:
                    p.copy_(1 + 0.3 * torch.randn_like(p) if "norm" in pname else 0.2 * torch.randn_like(p))
        folder = out_dir / name
        model.save_pretrained(folder, safe_serialization=True)
        logits = logits_of(model)
        write_expected(folder, tokens_for(model), logits)
        print(json.dumps({"made": name, "folder": str(folder), "shape": list(logits.shape)}))


def write_expected(folder: Path, tokens, logits):
    # float32 values as JSON: 9 significant digits round-trip exactly.
    values = [float(f"{x:.9g}") for x in logits.flatten().tolist()]
    (folder / "expected.json").write_text(json.dumps({"tokens": tokens, "logits": values}) + "\n")


def write_logits(folders):
    for folder in map(Path, folders):
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
        write_expected(folder, tokens_for(model), logits_of(model))
        print(json.dumps({"logits": folder.name}))


def check(folders):
    worst = 0.0
    for folder in map(Path, folders):
        model, info = AutoModelForCausalLM.from_pretrained(folder, output_loading_info=True, dtype=torch.float32)
        model.eval()
        data = json.loads((folder / "engine_logits.json").read_text())
        with torch.no_grad():
            logits = model(input_ids=torch.tensor(data["tokens"])).logits.float().flatten()
        diff = (logits - torch.tensor(data["logits"])).abs().max().item()
        worst = max(worst, diff)
        print(
            json.dumps(
                {
                    "checked": folder.name,
                    "missing_keys": sorted(info["missing_keys"]),
                    "unexpected_keys": sorted(info["unexpected_keys"]),
                    "max_abs_diff": diff,
                }
            )
        )


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    if cmd == "make":
        make(Path(args[0]))
    elif cmd == "check":
        check(args)
    elif cmd == "make-small":
        make(Path(args[0]), SMALL)
    elif cmd == "logits":
        write_logits(args)
    else:
        raise SystemExit(f"unknown command {cmd}")

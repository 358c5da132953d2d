"""Trains the demo tokenizer: a byte-level BPE over the shipped training corpora.

Run through `npm run build:tokenizer` (build.sh makes the venv). Uses only the `tokenizers`
library (pinned in build.sh) and the standard library. The output is deterministic for the same
corpus files and library version: inputs are read in a fixed order and the trainer is
single-pass over counted words.
"""

import argparse
import json
import os

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

SPECIAL = ["<|bos|>", "<|eos|>", "<|pad|>"]


def texts(files):
    for path in files:
        with open(path, encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)["text"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="data/tokenizer")
    ap.add_argument("--vocab-size", type=int, default=8192)
    ap.add_argument("--min-frequency", type=int, default=2)
    ap.add_argument("files", nargs="+", help="JSONL corpora with a text field")
    a = ap.parse_args()

    tok = Tokenizer(models.BPE(unk_token=None, byte_fallback=False))
    # NFC here as well as in dataprep/, so raw text given to the tokenizer alone agrees.
    tok.normalizer = normalizers.NFC()
    # GPT-2/Llama-3 style: bytes mapped to printable symbols, split on the usual regex first.
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=a.vocab_size,
        min_frequency=a.min_frequency,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts(sorted(a.files)), trainer=trainer)
    bos = tok.token_to_id("<|bos|>")
    # With add_special_tokens the sequence starts with <|bos|>, like Llama; documents are
    # separated by <|eos|>, which dataprep/ appends itself.
    tok.post_processor = processors.TemplateProcessing(
        single="<|bos|> $A", pair="<|bos|> $A <|bos|> $B", special_tokens=[("<|bos|>", bos)]
    )
    os.makedirs(a.out, exist_ok=True)
    tok.save(os.path.join(a.out, "tokenizer.json"), pretty=False)
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": "<|bos|>",
        "eos_token": "<|eos|>",
        "pad_token": "<|pad|>",
        "model_max_length": 2048,
        "clean_up_tokenization_spaces": False,
    }
    with open(os.path.join(a.out, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"wrote {a.out}/tokenizer.json: vocab {tok.get_vocab_size()}")


if __name__ == "__main__":
    main()

"""The PyTorch peer of the engine's speed bench: Hugging Face LlamaForCausalLM with the same
config, batch, sequence length, threads and optimizer (AdamW betas 0.9/0.95, eps 1e-8, weight
decay 0.1 on matrices, global-norm clipping at 1.0), fp32 on CPU. Times full continual
pretraining (every parameter) and the ELO step (the detached model of layers lambda, embeddings
and head frozen).

A long-lived peer, so its rounds interleave with the engine's own (load on a shared machine then
hits both alike): argv[1] holds the models; it builds and warms up each (model, mode), prints one
JSON line {"ready": ...}, then for each stdin line {"model": key, "steps": n} times n steps of
full and of ELO and prints {"model": key, "full": [ms...], "elo": [ms...]}. Exits at EOF.
Run by bench/torch-peer.ts in the hf-venv (scripts/hf-crosscheck/requirements.txt)."""
import json
import sys
import time

import torch
from transformers import LlamaConfig, LlamaForCausalLM


def build(hf_config: dict, layers: list[int] | None) -> LlamaForCausalLM:
    cfg = dict(hf_config)
    if layers is not None:
        cfg["num_hidden_layers"] = len(layers)  # the detached model holds only these layers
    config = LlamaConfig(**cfg)
    config._attn_implementation = "sdpa"
    torch.manual_seed(1)
    return LlamaForCausalLM(config)


def trainable_params(model: LlamaForCausalLM, mode: str) -> list[tuple[str, torch.nn.Parameter]]:
    out = []
    for name, p in model.named_parameters():
        keep = mode == "full" or name.startswith("model.layers.")
        p.requires_grad_(keep)
        if keep:
            out.append((name, p))
    return out


class Stepper:
    """One model and optimizer of one mode, on a fixed batch (the engine's bench does the same)."""

    def __init__(self, m: dict, mode: str):
        self.model = build(m["hfConfig"], None if mode == "full" else m["eloLayers"])
        self.params = [p for _, p in trainable_params(self.model, mode)]
        decay = [p for p in self.params if p.dim() >= 2]
        no_decay = [p for p in self.params if p.dim() < 2]
        self.opt = torch.optim.AdamW(
            [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
            lr=1e-4,
            betas=(0.9, 0.95),
            eps=1e-8,
        )
        self.vocab = m["hfConfig"]["vocab_size"]
        g = torch.Generator().manual_seed(0)
        ids = torch.randint(0, self.vocab, (m["batchSize"], m["seqLen"] + 1), generator=g)
        self.inputs, self.labels = ids[:, :-1], ids[:, 1:]
        self.model.train()

    def step_ms(self) -> float:
        t0 = time.perf_counter()
        logits = self.model(input_ids=self.inputs).logits
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, self.vocab), self.labels.reshape(-1)
        )
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.opt.step()
        return (time.perf_counter() - t0) * 1000


MODES = ("full", "elo")


def main() -> None:
    req = json.loads(sys.argv[1])
    torch.set_num_threads(req["threads"])
    steppers = {
        key: {mode: Stepper(m, mode) for mode in MODES} for key, m in req["models"].items()
    }
    for by_mode in steppers.values():
        for s in by_mode.values():
            for _ in range(req["warmup"]):
                s.step_ms()
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}))
    sys.stdout.flush()
    for line in sys.stdin:
        r = json.loads(line)
        by_mode = steppers[r["model"]]
        out = {"model": r["model"]}
        for mode in MODES:
            out[mode] = [by_mode[mode].step_ms() for _ in range(r["steps"])]
        print(json.dumps(out))
        sys.stdout.flush()


if __name__ == "__main__":
    main()

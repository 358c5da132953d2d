"""The PyTorch peer of the engine's speed bench: Hugging Face LlamaForCausalLM with the same
config, batch, sequence length, threads and optimizer (AdamW betas 0.9/0.95, eps 1e-8, weight
decay 0.1 on matrices, global-norm clipping at 1.0), fp32 on CPU. Times full continual
pretraining (every parameter) and the ELO step (the detached model of layers lambda, embeddings
and head frozen). Reads one JSON request on argv[1], prints one JSON object.
Run by bench/torch-peer.ts in the hf-venv (scripts/hf-crosscheck/requirements.txt)."""
import json
import statistics
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


def time_steps(model, params, batch: int, seq: int, vocab: int, steps: int, warmup: int):
    decay = [p for n, p in params if p.dim() >= 2]
    no_decay = [p for n, p in params if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
        lr=1e-4,
        betas=(0.9, 0.95),
        eps=1e-8,
    )
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, vocab, (batch, seq + 1), generator=g)
    inputs, labels = ids[:, :-1], ids[:, 1:]
    times = []
    model.train()
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        logits = model(input_ids=inputs).logits
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, vocab), labels.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for _, p in params], 1.0)
        opt.step()
        if i >= warmup:
            times.append((time.perf_counter() - t0) * 1000)
    return times


def main() -> None:
    req = json.loads(sys.argv[1])
    torch.set_num_threads(req["threads"])
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "models": {}}
    for key, m in req["models"].items():
        res = {}
        for mode, layers in (("full", None), ("elo", m["eloLayers"])):
            model = build(m["hfConfig"], layers)
            params = trainable_params(model, mode)
            times = time_steps(
                model, params, m["batchSize"], m["seqLen"], m["hfConfig"]["vocab_size"],
                req["steps"], req["warmup"],
            )
            res[mode] = {
                "medianMs": statistics.median(times),
                "minMs": min(times),
                "stepsMs": times,
                "trainableParams": sum(p.numel() for _, p in params),
            }
        out["models"][key] = res
    print(json.dumps(out))


if __name__ == "__main__":
    main()

"""The linear layers a LoRA adapter may sit on, per family, below a block (`transformer.h.N.` / `model.layers.N.`),
in the order the engine's adapters are laid out (engine/ml/lora/lora-parameters.ts). No torch here: the job check
uses them before torch is imported."""

LORA_TARGETS = {
    "gpt2": ("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"),
    "llama": ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"),
}

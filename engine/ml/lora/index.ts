// LoRA for GPT-2 and Llama (engine/ml/lora/README.md): the adapters' options, names and init, the training family, merging
// into the base weights and PEFT's adapter files.

export { defaultLoraTargets, GPT2_LORA_TARGETS, LLAMA_LORA_TARGETS, LORA_TARGETS, checkLoraOptions, loraTargetsOf, initLoraAdapters, loraAdapterNames, loraAdapterSites, loraParameterSpecs, loraScale, type LoraAdapterSite, type LoraOptions, type LoraTarget } from './lora-parameters.ts';
export { loraDropoutSites, loraFamily } from './lora-family.ts';
export { mergeLora } from './merge.ts';
export { PEFT_FILES, peftTargetModules, readPeftAdapter, writePeftAdapter, type PeftAdapter } from './peft-adapter.ts';

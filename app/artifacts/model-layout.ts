// The Model artifact: a Hugging Face model folder (config.json, model.safetensors, tokenizer files) with ONNX
// decoders under onnx/ for transformers.js and our runtime. File names live in engine/ml/export/model-folder.ts
// (they are joined with node:path); what the studio, node runs and runtimes share about the folder is here.

/** Which ONNX decoder of the folder to load: onnx/model.onnx (float32), model_q4.onnx or model_int8.onnx. */
export const DECODER_PRECISIONS = ['float32', 'q4', 'int8'] as const;
export type DecoderPrecision = (typeof DECODER_PRECISIONS)[number];
